import type { ChatMessage } from '../../llm/types.js';

// Rough but safe: ~4 characters per token for English, plus per-message framing.
const tokensOf = (m: ChatMessage) => Math.ceil(m.content.length / 4) + 4;
const DEFAULT_CONTEXT_TOKENS = 8192;

/** The most history any send can use (its whole context window): what a send reads of the path above it. */
export const HISTORY_TOKEN_BUDGET = DEFAULT_CONTEXT_TOKENS;

export interface HistoryItem {
  role: 'system' | 'user' | 'assistant';
  content: string;
  status: string;
}

/**
 * The messages sent to the model: the system prompt, then as many of the chat's earlier turns as fit the
 * budget (newest kept first), then the new prompt. Failed and empty answers are left out.
 */
export function buildContext(opts: {
  systemPrompt: string | null | undefined;
  history: HistoryItem[];
  prompt: string;
  contextLength?: number | undefined;
  maxTokens: number;
}): ChatMessage[] {
  const contextLength = opts.contextLength ?? DEFAULT_CONTEXT_TOKENS;
  let budget = Math.max(contextLength - opts.maxTokens, Math.floor(contextLength / 4));
  const head: ChatMessage[] = opts.systemPrompt ? [{ role: 'system', content: opts.systemPrompt }] : [];
  const tail: ChatMessage = { role: 'user', content: opts.prompt };
  for (const m of [...head, tail]) budget -= tokensOf(m);
  const kept: ChatMessage[] = [];
  for (let i = opts.history.length - 1; i >= 0; i--) {
    const h = opts.history[i];
    if (!h || h.role === 'system' || !h.content || h.status === 'failed' || h.status === 'streaming')
      continue;
    const m: ChatMessage = { role: h.role, content: h.content };
    budget -= tokensOf(m);
    if (budget < 0) break;
    kept.push(m);
  }
  return [...head, ...kept.reverse(), tail];
}

/** A chat's title from its first message: the first line, trimmed to a readable length. */
export function titleFrom(prompt: string): string {
  const line = prompt.trim().split('\n', 1)[0]?.trim() ?? '';
  const clean = line.replace(/\s+/g, ' ');
  if (clean.length <= 60) return clean || 'New chat';
  const cut = clean.slice(0, 60);
  const space = cut.lastIndexOf(' ');
  return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
