import type { MessageMetadata } from '@pocketllm/contracts';
import type { MessageRow } from '../../../db/schema/index.js';
import type { ChatMessage, LlmProvider, ProviderTarget, ProviderTimeouts } from '../../../llm/types.js';
import type { Generation, GenerationOutcome, GenerationRegistry } from '../generation.js';
import { type EndpointFailover, failoverProvider } from './failover.js';
import type { ResolvedModel } from './resolve-target.js';

export interface GenerateDeps {
  registry: GenerationRegistry;
  createProvider(target: ProviderTarget, timeouts: ProviderTimeouts): LlmProvider;
  timeouts: ProviderTimeouts;
  /** The user's other endpoints, for a local endpoint that fails before its first byte (failover.ts). */
  failover?: EndpointFailover | undefined;
}

/**
 * Resolves once a provider request started in this tick has been written to its socket. undici writes a
 * request on a reused keep-alive socket only in the event loop's next check phase (it first lets bytes, a
 * FIN or a RST already pending on the idle socket be read: GHSA-35p6-xmwp-9g52), so whatever else this tick
 * does (opening the client's stream, message.created, the user's event stream) delayed the request by as
 * much. Awaiting this (an Immediate queued after undici's) lets the request leave first; the rest then runs
 * while the provider works.
 */
export const callOutWritten = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Step 5 of a send: writes the answer into its stored row in the background. The generation belongs to the
 * server, not to the request: it goes on if the client leaves, and `onFinished` runs once it has ended.
 * When a local endpoint fails before its first byte and the send moves to another one, `resolved.target`
 * and `metadata` (local_model_id, failover) are updated in place: the stored answer and the record step
 * (request log, endpoint health) then name the endpoint that answered.
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
  const { resolved, metadata } = input;
  const open = (target: ProviderTarget) => deps.createProvider(target, deps.timeouts);
  const provider =
    deps.failover && resolved.target.localEndpointId
      ? failoverProvider({
          userId: input.row.userId,
          model: resolved.model,
          target: resolved.target,
          endpoints: deps.failover,
          open,
          onSwitch: ({ from, to, target, reason }) => {
            // `from` stays the endpoint first chosen, also when the send had already failed over at resolve time.
            resolved.target = target;
            resolved.failover = { from: resolved.failover?.from ?? from, to, reason };
            metadata.local_model_id = to;
            metadata.failover = resolved.failover;
          },
        })
      : open(resolved.target);
  return deps.registry.start({
    message: input.row,
    provider,
    request: { model: resolved.model, messages: input.messages, params: resolved.params },
    metadata,
    onFinished: input.onFinished,
  });
}
