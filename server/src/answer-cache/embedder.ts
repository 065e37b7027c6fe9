import type { LlmProvider, ProviderTarget, ProviderTimeouts } from '../llm/types.js';
import type { Embedder } from './answer-cache.js';

/**
 * Embeddings for the similarity step from `CACHE_EMBEDDING_MODEL` ("provider:model", e.g.
 * "openai:text-embedding-3-small" or "ollama:nomic-embed-text") with the user's own key. A user without
 * that provider gets null, and the cache falls back to lexical similarity.
 */
export function createEmbedder(deps: {
  spec: string | undefined;
  timeouts: ProviderTimeouts;
  resolveTarget(userId: string, provider: string): Promise<ProviderTarget>;
  createProvider(target: ProviderTarget, timeouts: ProviderTimeouts): LlmProvider;
}): Embedder | undefined {
  if (!deps.spec) return undefined;
  const sep = deps.spec.indexOf(':');
  if (sep <= 0) return undefined;
  const provider = deps.spec.slice(0, sep);
  const model = deps.spec.slice(sep + 1);
  return async (userId, texts) => {
    const target = await deps.resolveTarget(userId, provider).catch(() => null);
    if (!target) return null;
    const llm = deps.createProvider(target, deps.timeouts);
    if (!llm.embed) return null;
    return llm.embed(texts, model, AbortSignal.timeout(deps.timeouts.connectTimeoutMs));
  };
}
