import { AnthropicProvider } from './anthropic.js';
import { OllamaProvider } from './ollama.js';
import { OpenAICompatibleProvider } from './openai-compatible.js';
import type { LlmProvider, ProviderTarget, ProviderTimeouts } from './types.js';

/**
 * The adapter for a resolved target. Cheap to call per request (no connection state is held here:
 * undici's global pool keeps the sockets).
 * @throws Error for an adapter that has no implementation yet ('llama-cpp').
 */
export function createLlmProvider(target: ProviderTarget, timeouts: ProviderTimeouts): LlmProvider {
  const { baseUrl, apiKey } = target;
  switch (target.adapter) {
    case 'openai-compatible':
      return new OpenAICompatibleProvider({
        baseUrl,
        apiKey,
        timeouts,
        maxTokensField: target.provider === 'openai' ? 'max_completion_tokens' : 'max_tokens',
      });
    case 'anthropic':
      return new AnthropicProvider({ baseUrl, apiKey, timeouts });
    case 'ollama':
      return new OllamaProvider({ baseUrl, apiKey, timeouts });
    case 'llama-cpp':
      throw new Error('llama-cpp adapter is not available yet');
  }
}
