import type { MessageMetadata } from '@pocketllm/contracts';
import type { ChatMessage } from '../../../llm/types.js';
import { buildContext, type HistoryItem } from '../context-window.js';
import type { ResolvedModel } from './resolve-target.js';

// The output tokens a model configuration leaves room for when it sets no max_tokens.
const DEFAULT_MAX_TOKENS = 2048;

/** Step 2 of a send: what the model is sent, and the facts stored on the answer from the start. */
export interface SendContext {
  messages: ChatMessage[];
  /** The system prompt the model is given: the chat's own, else its model configuration's (part of the cache key). */
  systemPrompt: string | null;
  metadata: MessageMetadata;
  /** The messages `prompt` would be sent with after only `earlier` of the history (the cache-key step). */
  contextFor(earlier: HistoryItem[]): ChatMessage[];
}

export function buildSendContext(input: {
  resolved: ResolvedModel;
  history: HistoryItem[];
  prompt: string;
  /** The chat's own system prompt, which wins over the model configuration's. */
  chatSystemPrompt?: string | null | undefined;
}): SendContext {
  const { resolved, prompt } = input;
  const maxTokens = resolved.params.max_tokens ?? DEFAULT_MAX_TOKENS;
  const systemPrompt = input.chatSystemPrompt || resolved.systemPrompt;
  const contextFor = (earlier: HistoryItem[]) =>
    buildContext({ systemPrompt, history: earlier, prompt, maxTokens });
  return {
    messages: contextFor(input.history),
    systemPrompt,
    metadata: {
      provider: resolved.target.provider,
      model: resolved.model,
      ...(resolved.target.localEndpointId ? { local_model_id: resolved.target.localEndpointId } : {}),
      ...(resolved.failover ? { failover: resolved.failover } : {}),
    },
    contextFor,
  };
}
