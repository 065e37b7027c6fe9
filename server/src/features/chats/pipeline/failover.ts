/**
 * Failover at request time: a user's local endpoint that refuses the connection, times out before its first
 * byte or answers 5xx before any text is left at once for another healthy endpoint of the same user serving
 * the same model. Once text has been streamed the answer stays where it is (nothing is sent twice).
 */
import { cleanProviderText } from '../../../lib/text.js';
import {
  type ChatEvent,
  type ChatRequest,
  type LlmProvider,
  ProviderError,
  type ProviderTarget,
} from '../../../llm/types.js';

/** What the local endpoints offer the failover (features/local-models/routing.ts). */
export interface EndpointFailover {
  /** The best other healthy endpoint of the user serving `model`, none of `tried`; null when there is none. */
  nextTarget(userId: string, model: string, tried: string[]): Promise<ProviderTarget | null>;
  /** Marks an endpoint that failed before its first byte unhealthy, as a failed health check would. */
  markUnhealthy(endpointId: string, error: string, elapsedMs: number): Promise<void>;
}

/** One move from an endpoint that failed to the next one. */
export interface FailoverSwitch {
  /** The endpoint that failed, and the one the send moves to (`target`). */
  from: string;
  to: string;
  target: ProviderTarget;
  reason: string;
}

// Faults of the endpoint itself; a bad request (unknown model, 4xx) would fail the same way anywhere.
const ENDPOINT_FAULTS = new Set(['unreachable', 'timeout', 'upstream']);

/** Whether a ProviderError kind is a fault of the endpoint itself (refused, timed out, 5xx, lost connection). */
export const isEndpointFaultKind = (kind: string | null | undefined): boolean =>
  kind !== null && kind !== undefined && ENDPOINT_FAULTS.has(kind);

/** A fault of the endpoint itself (refused, timed out, 5xx or lost connection), not of the request. */
export const isEndpointFault = (err: unknown): err is ProviderError =>
  err instanceof ProviderError && ENDPOINT_FAULTS.has(err.kind);

/** Where one request may go when its local endpoint fails early: the user's other endpoints of `model`. */
export interface FailoverPlan {
  userId: string;
  model: string;
  endpoints: EndpointFailover;
  /** Told before the next endpoint is called. */
  onSwitch(move: FailoverSwitch): void;
}

export interface FailoverOptions extends FailoverPlan {
  target: ProviderTarget;
  open(target: ProviderTarget): LlmProvider;
}

/**
 * One request's walk over the endpoints: `next` is called when the current one failed and answers the one
 * to try now (the failed one marked unhealthy), or rethrows when the request must fail here: text already
 * reached the client (`said`), the client left, the fault is the request's, or no other endpoint is left.
 */
export function failoverRun(plan: FailoverPlan, first: ProviderTarget) {
  let target = first;
  let started = performance.now();
  const tried: string[] = first.localEndpointId ? [first.localEndpointId] : [];
  return {
    get target() {
      return target;
    },
    async next(err: unknown, said: boolean, aborted: boolean): Promise<ProviderTarget> {
      const failed = target.localEndpointId;
      if (said || aborted || !failed || !isEndpointFault(err)) throw err;
      const reason = cleanProviderText(err.message);
      const next = await plan.endpoints.nextTarget(plan.userId, plan.model, tried);
      if (!next?.localEndpointId) {
        const none =
          tried.length > 1
            ? `none of your ${tried.length} endpoints serving ${plan.model} answered`
            : `no other healthy endpoint of yours serves ${plan.model}`;
        throw new ProviderError(err.kind, `${reason} (${none})`, err.status, { cause: err });
      }
      await plan.endpoints.markUnhealthy(failed, reason, Math.round(performance.now() - started));
      tried.push(next.localEndpointId);
      plan.onSwitch({ from: failed, to: next.localEndpointId, target: next, reason });
      target = next;
      started = performance.now();
      return next;
    },
  };
}

/** `attempt` on the chosen endpoint, then on the next ones while it fails before `said()`. */
export async function withFailover<T>(
  plan: FailoverPlan,
  first: ProviderTarget,
  attempt: (target: ProviderTarget) => Promise<T>,
  said: () => boolean,
  signal: AbortSignal | undefined,
): Promise<T> {
  const run = failoverRun(plan, first);
  for (;;) {
    try {
      return await attempt(run.target);
    } catch (err) {
      await run.next(err, said(), signal?.aborted === true);
    }
  }
}

/** An LlmProvider over the user's endpoints: the chosen one first, then the others while they fail early. */
export function failoverProvider(opts: FailoverOptions): LlmProvider {
  const first = opts.open(opts.target);
  return {
    listModels: (signal) => first.listModels(signal),
    streamChat: (req) => stream(opts, first, req),
  };
}

async function* stream(
  opts: FailoverOptions,
  first: LlmProvider,
  req: ChatRequest,
): AsyncIterable<ChatEvent> {
  const run = failoverRun(opts, opts.target);
  let provider = first;
  for (;;) {
    let said = false;
    try {
      for await (const ev of provider.streamChat(req)) {
        if (ev.type === 'delta' && ev.content) said = true;
        yield ev;
      }
      return;
    } catch (err) {
      provider = opts.open(await run.next(err, said, req.signal?.aborted === true));
    }
  }
}
