import type { Dispatcher } from 'undici';
import { AnthropicProvider } from './anthropic.js';
import type { DebugLogger } from './http.js';
import { LlamaCppProvider } from './llama-cpp.js';
import type { GgufModelManager } from './llama-runtime/model-manager.js';
import { OllamaProvider } from './ollama.js';
import { OpenAICompatibleProvider } from './openai-compatible.js';
import { type LlmProvider, ProviderError, type ProviderTarget, type ProviderTimeouts } from './types.js';

/**
 * The adapter for a resolved target. Cheap to call per request: no connection state is held here (undici's
 * pool keeps the sockets). Pass `extra.dispatcher` (lib/url-policy's guardedDispatcher) when the base URL
 * came from a user, so connections only reach addresses the policy allows; a refused address then fails as
 * ProviderError 'unreachable' whose `cause` chain holds the UrlPolicyError. `extra.logger` receives upstream
 * error bodies at debug level (secrets masked). `extra.gguf` is the process's one model manager (built in
 * services.ts): llama.cpp's runtime and loaded models are shared by every in-process target.
 * @throws ProviderError('bad_request') for a llama-cpp target outside MODELS_DIR, or with no manager.
 */
export function createLlmProvider(
  target: ProviderTarget,
  timeouts: ProviderTimeouts,
  extra: { dispatcher?: Dispatcher; logger?: DebugLogger; gguf?: GgufModelManager } = {},
): LlmProvider {
  const { baseUrl, apiKey } = target;
  const { dispatcher, logger } = extra;
  switch (target.adapter) {
    case 'openai-compatible':
      return new OpenAICompatibleProvider({
        baseUrl,
        apiKey,
        timeouts,
        dispatcher,
        logger,
        maxTokensField: target.provider === 'openai' ? 'max_completion_tokens' : 'max_tokens',
      });
    case 'anthropic':
      return new AnthropicProvider({ baseUrl, apiKey, timeouts, dispatcher, logger });
    case 'ollama':
      return new OllamaProvider({ baseUrl, apiKey, timeouts, dispatcher, logger });
    case 'llama-cpp':
      // A GGUF file in MODELS_DIR, run in process; baseUrl is its absolute path.
      if (!extra.gguf)
        throw new ProviderError('bad_request', 'in-process models are not available here', 400);
      return new LlamaCppProvider(target, extra.gguf);
  }
}
