import type { MessageMetadata } from '@pocketllm/contracts';
import type { MessageRow } from '../../../db/schema/index.js';
import type { ChatMessage, LlmProvider, ProviderTarget, ProviderTimeouts } from '../../../llm/types.js';
import type { Generation, GenerationOutcome, GenerationRegistry } from '../generation.js';
import type { ResolvedModel } from './resolve-target.js';

export interface GenerateDeps {
  registry: GenerationRegistry;
  createProvider(target: ProviderTarget, timeouts: ProviderTimeouts): LlmProvider;
  timeouts: ProviderTimeouts;
}

/**
 * Step 5 of a send: writes the answer into its stored row in the background. The generation belongs to the
 * server, not to the request: it goes on if the client leaves, and `onFinished` runs once it has ended.
 */
export function startGeneration(
  deps: GenerateDeps,
  input: {
    row: MessageRow;
    resolved: ResolvedModel;
    messages: ChatMessage[];
    metadata: MessageMetadata;
    onFinished: (outcome: GenerationOutcome) => void;
  },
): Generation {
  const { resolved } = input;
  return deps.registry.start({
    message: input.row,
    provider: deps.createProvider(resolved.target, deps.timeouts),
    request: { model: resolved.model, messages: input.messages, params: resolved.params },
    metadata: input.metadata,
    onFinished: input.onFinished,
  });
}
