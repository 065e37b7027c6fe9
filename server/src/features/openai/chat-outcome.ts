/**
 * What happens after a completion, whichever way it was answered: the request-log row (with the key's name),
 * the local endpoint's health, the answer cache, and the chat turn when the request asked to be stored.
 */
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { AnswerCache, PreparedLookup } from '../../answer-cache/answer-cache.js';
import type { Db } from '../../db/client.js';
import { ProviderError } from '../../llm/types.js';
import type { KeyPrincipal } from '../api-keys/api-keys.service.js';
import { isEndpointFault } from '../chats/pipeline/failover.js';
import type { RecordSinks } from '../chats/pipeline/record.js';
import type { ResolvedModel } from '../chats/pipeline/resolve-target.js';
import type { RequestLogEntry } from '../telemetry/telemetry.service.js';
import { finishTurn, type OpenTurn } from './chat-store.js';
import type { Usage } from './openai-format.js';

/** One completion in flight. */
export interface ChatCall {
  principal: KeyPrincipal;
  resolved: ResolvedModel;
  started: number;
  prep: PreparedLookup | null;
  prompt: string;
  turn: OpenTurn | null;
}

export interface Outcome {
  text: string;
  finishReason: string | null;
  usage: Usage;
  ttftMs: number | null;
  cacheHit: boolean;
}

export interface OutcomeDeps {
  db: Db;
  logger: Logger;
  cache: AnswerCache;
  telemetry: { record(entry: RequestLogEntry): void };
  endpointHealth?: RecordSinks['endpointHealth'];
}

export function createOutcomes(deps: OutcomeDeps) {
  function record(call: ChatCall, o: Partial<Outcome> & { error?: unknown }) {
    const { target } = call.resolved;
    const failed = o.error !== undefined;
    const kind = o.error instanceof ProviderError ? o.error.kind : undefined;
    deps.telemetry.record({
      userId: call.principal.userId,
      chatId: call.turn?.chatId ?? null,
      messageId: call.turn?.answerId ?? null,
      provider: target.provider,
      model: call.resolved.model,
      localEndpointId: target.localEndpointId ?? null,
      tokensIn: o.usage?.tokensIn ?? 0,
      tokensOut: o.usage?.tokensOut ?? 0,
      latencyMs: performance.now() - call.started,
      ttftMs: o.ttftMs ?? null,
      cacheHit: o.cacheHit ?? false,
      status: failed ? 'error' : 'ok',
      errorCode: failed ? (kind === 'timeout' ? 'provider_timeout' : 'provider_error') : null,
      apiKeyName: call.principal.keyName,
    });
    if (target.localEndpointId && (!failed || isEndpointFault(o.error)))
      void deps.endpointHealth?.recordResult(target.localEndpointId, !failed);
  }

  return {
    /** Records a finished answer, keeps a whole one in the cache, and finishes the stored turn. */
    async succeeded(call: ChatCall, o: Outcome): Promise<void> {
      record(call, o);
      if (call.prep && !o.cacheHit && o.finishReason === 'stop')
        void deps.cache.store(call.prep, call.prompt, {
          content: o.text,
          ...o.usage,
          finishReason: 'stop',
          createdAt: Date.now(),
        });
      if (call.turn)
        await finishTurn(deps.db, call.turn, {
          content: o.text,
          status: 'completed',
          metadata: {
            finish_reason: o.finishReason,
            tokens_in: o.usage.tokensIn,
            tokens_out: o.usage.tokensOut,
            latency_ms: Math.round(performance.now() - call.started),
            ttft_ms: o.ttftMs,
            ...(o.cacheHit ? { cached: true } : {}),
          },
        });
    },

    /** Records a failure; a stored turn's answer is kept as failed with the error. Never throws. */
    async failed(call: ChatCall, err: unknown, message: string, code: string): Promise<void> {
      record(call, { error: err });
      if (call.turn)
        await finishTurn(deps.db, call.turn, {
          content: '',
          status: 'failed',
          metadata: { error: { code, message } },
        }).catch((e: unknown) => deps.logger.warn({ err: e }, 'could not store a failed answer'));
    },
  };
}

export type Outcomes = ReturnType<typeof createOutcomes>;
