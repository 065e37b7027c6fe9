import type { CachedAnswer } from '../../../answer-cache/answer-cache.js';
import type { RequestLogEntry } from '../../telemetry/telemetry.service.js';
import type { GenerationOutcome } from '../generation.js';
import { isEndpointFaultKind } from './failover.js';
import type { ResolvedModel } from './resolve-target.js';

/**
 * Where a finished send is recorded: a request-log row (telemetry's `RequestLogEntry`, written off the hot
 * path), and the endpoint's health. Both only buffer or fire: neither is waited for.
 */
export interface RecordSinks {
  telemetry?: { record(entry: RequestLogEntry): void } | undefined;
  endpointHealth?:
    | { recordResult(endpointId: string, ok: boolean, error?: string): void | Promise<void> }
    | undefined;
}

export type RecordedOutcome = Pick<
  GenerationOutcome,
  'message' | 'status' | 'latencyMs' | 'ttftMs' | 'tokensIn' | 'tokensOut' | 'error' | 'errorKind'
>;

/** Step 6 of a send: the request-log row, and the local endpoint's health when one answered. */
export function recordOutcome(
  sinks: RecordSinks,
  send: { userId: string; chatId: string; resolved: ResolvedModel; cacheHit: boolean },
  outcome: RecordedOutcome,
): void {
  const { target } = send.resolved;
  sinks.telemetry?.record({
    userId: send.userId,
    chatId: send.chatId,
    messageId: outcome.message.id,
    provider: target.provider,
    model: send.resolved.model,
    ...(target.localEndpointId ? { localEndpointId: target.localEndpointId } : {}),
    tokensIn: outcome.tokensIn,
    tokensOut: outcome.tokensOut,
    latencyMs: outcome.latencyMs,
    ttftMs: outcome.ttftMs,
    cacheHit: send.cacheHit,
    status: outcome.status === 'completed' ? 'ok' : outcome.status === 'aborted' ? 'aborted' : 'error',
    ...(outcome.error ? { errorCode: outcome.error.code } : {}),
  });
  // Only failures of the endpoint itself count toward its circuit breaker, not a bad request of the user's.
  const endpointFault = isEndpointFaultKind(outcome.errorKind);
  if (target.localEndpointId && (outcome.status === 'completed' || endpointFault)) {
    void sinks.endpointHealth?.recordResult(
      target.localEndpointId,
      outcome.status === 'completed',
      outcome.error?.message,
    );
  }
}

/** What of a finished answer the cache keeps: only whole answers (a cut or failed one is not an answer). */
export function answerToRemember(outcome: GenerationOutcome): CachedAnswer | null {
  if (outcome.status !== 'completed' || outcome.message.metadata.finish_reason !== 'stop') return null;
  return {
    content: outcome.message.content,
    tokensIn: outcome.tokensIn,
    tokensOut: outcome.tokensOut,
    finishReason: 'stop',
    createdAt: Date.now(),
  };
}
