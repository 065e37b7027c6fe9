import type { ChatMessage, ChatParams } from '../llm/types.js';
import { contentTokens, normalizePrompt, sha256 } from './normalize.js';

// What makes two sends "the same question", in one place: the answer cache and every caller that asks it.

/** Everything that decides an answer. */
export interface CacheKeyInput {
  userId: string;
  provider: string;
  model: string;
  params: ChatParams;
  systemPrompt: string | null;
  /** The earlier turns sent with the prompt (no system prompt, not the prompt itself). */
  context: ChatMessage[];
  prompt: string;
  /** The content hash of the files sent with the prompt, if any: another picture is another question. */
  attachments?: string;
}

/** The exact key of a send, the bucket of prompts asked in the same context, and the prompt's words. */
export interface PreparedLookup {
  userId: string;
  key: string;
  bucket: string;
  tokens: string[];
  embedding?: number[];
}

/** A send as the key rules see it; `H` is the caller's history item. */
export interface KeyedSend<H extends { role: string; content: string }> {
  userId: string;
  target: { provider: string; localEndpointId?: string | undefined };
  model: string;
  params: ChatParams;
  systemPrompt: string | null;
  /** The chat's earlier messages, oldest first. */
  history: H[];
  prompt: string;
  /** The messages the model would get for `prompt` after `earlier` (system prompt first, prompt last). */
  contextFor: (earlier: H[]) => ChatMessage[];
  /** The content hash of the prompt's attachments ('' or absent without). */
  attachments?: string;
}

/**
 * The key input of a send. A prompt asked again in the same chat is keyed by the context of its first asking,
 * so asking twice in a row finds the first answer. Two endpoints serving the same model name are still two
 * different servers.
 */
export function cacheKeyInput<H extends { role: string; content: string }>(s: KeyedSend<H>): CacheKeyInput {
  const normalized = normalizePrompt(s.prompt);
  const firstAsked = s.history.findIndex(
    (h) => h.role === 'user' && normalizePrompt(h.content) === normalized,
  );
  const context = s.contextFor(firstAsked >= 0 ? s.history.slice(0, firstAsked) : s.history);
  return {
    userId: s.userId,
    provider: s.target.localEndpointId
      ? `${s.target.provider}:${s.target.localEndpointId}`
      : s.target.provider,
    model: s.model,
    params: s.params,
    systemPrompt: s.systemPrompt,
    // The key carries the system prompt and the prompt on their own: only the turns in between.
    context: context.slice(s.systemPrompt ? 1 : 0, -1),
    prompt: s.prompt,
    ...(s.attachments ? { attachments: s.attachments } : {}),
  };
}

const sortedParams = (p: ChatParams) =>
  Object.fromEntries(Object.entries(p).sort(([a], [b]) => a.localeCompare(b)));

/**
 * Hashes a key input. The bucket is the scope and context without the prompt (where similar prompts are
 * looked for); `global` scope shares only context-free prompts across users.
 */
export function prepareKey(input: CacheKeyInput, scope: 'user' | 'global'): PreparedLookup {
  const owner = scope === 'global' && input.context.length === 0 ? 'global' : `user:${input.userId}`;
  const bucket = sha256(
    JSON.stringify([
      owner,
      input.provider,
      input.model,
      sortedParams(input.params),
      input.systemPrompt ?? '',
      input.context.map((m) => [m.role, m.content]),
      // Only when there are attachments, so keys of sends without any stay as they were.
      ...(input.attachments ? [input.attachments] : []),
    ]),
  );
  return {
    userId: input.userId,
    bucket,
    key: sha256(`${bucket}\n${normalizePrompt(input.prompt)}`),
    tokens: contentTokens(input.prompt),
  };
}
