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

const isEndpointFault = (err: unknown): err is ProviderError =>
  err instanceof ProviderError && ENDPOINT_FAULTS.has(err.kind);

export interface FailoverOptions {
  userId: string;
  model: string;
  target: ProviderTarget;
  endpoints: EndpointFailover;
  open(target: ProviderTarget): LlmProvider;
  /** Told before the next endpoint is called. */
  onSwitch(move: FailoverSwitch): void;
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
  let target = opts.target;
  let provider = first;
  const tried: string[] = target.localEndpointId ? [target.localEndpointId] : [];
  for (;;) {
    const started = performance.now();
    let said = false;
    try {
      for await (const ev of provider.streamChat(req)) {
        if (ev.type === 'delta' && ev.content) said = true;
        yield ev;
      }
      return;
    } catch (err) {
      const failed = target.localEndpointId;
      if (said || req.signal?.aborted || !failed || !isEndpointFault(err)) throw err;
      const reason = cleanProviderText(err.message);
      const next = await opts.endpoints.nextTarget(opts.userId, opts.model, tried);
      if (!next?.localEndpointId) {
        const none =
          tried.length > 1
            ? `none of your ${tried.length} endpoints serving ${opts.model} answered`
            : `no other healthy endpoint of yours serves ${opts.model}`;
        throw new ProviderError(err.kind, `${reason} (${none})`, err.status, { cause: err });
      }
      await opts.endpoints.markUnhealthy(failed, reason, Math.round(performance.now() - started));
      tried.push(next.localEndpointId);
      opts.onSwitch({ from: failed, to: next.localEndpointId, target: next, reason });
      target = next;
      provider = opts.open(next);
    }
  }
}
