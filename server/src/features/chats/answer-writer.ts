import type { MessageMetadata } from '@pocketllm/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { MessageRow } from '../../db/schema/index.js';
import { cleanProviderText } from '../../lib/text.js';
import { ProviderError } from '../../llm/types.js';
import { toMessage } from '../messages/message.mapper.js';
import type { AnswerPacing } from './answer-pacing.js';
import type { AnswerWrites } from './answer-writes.js';
import type { Generation, GenerationOutcome, StartOptions } from './running-answer.js';
import * as writers from './writers.repository.js';

/**
 * The writer of one answer: reads the provider's stream into the generation (its listeners told at the
 * instance's pace, its text saved as it grows: answer-pacing.ts), then stores the answer's last word and
 * tells everyone how it ended.
 */

const STORAGE_FAILED = { code: 'internal_error', message: 'The answer could not be saved' };

const estimateTokens = (text: string) => Math.ceil(text.length / 4);

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof ProviderError) {
    // The message may quote the provider's own text, and it is stored in the answer's metadata.
    const message = cleanProviderText(err.message);
    return { code: err.kind === 'timeout' ? 'provider_timeout' : 'provider_error', message };
  }
  return { code: 'provider_error', message: 'The model provider failed unexpectedly' };
}

/** What an answer whose writer itself failed ends as. */
export function crashOutcome(row: MessageRow, content: string): GenerationOutcome {
  const error = { ...STORAGE_FAILED };
  const message = { ...toMessage(row), content, status: 'failed' as const, metadata: { error } };
  return { message, status: 'failed', latencyMs: 0, ttftMs: null, tokensIn: 0, tokensOut: 0, error };
}

export interface WriterDeps {
  writes: AnswerWrites;
  pacing: AnswerPacing;
  logger: FastifyBaseLogger;
  /** The answer has ended (stored or not): this instance no longer writes it. */
  release(gen: Generation): void;
}

export async function writeAnswer(deps: WriterDeps, gen: Generation, opts: StartOptions) {
  const { logger } = deps;
  // The last word on an answer; null when the database refused it (logged).
  async function store(values: {
    content?: string;
    status: GenerationOutcome['status'];
    metadata: MessageMetadata;
  }) {
    try {
      return { row: await deps.writes.finish({ id: gen.messageId, ...values }) };
    } catch (err) {
      logger.error({ err, message_id: gen.messageId }, 'could not store the finished answer');
      return null;
    }
  }

  const started = performance.now();
  let ttftMs: number | null = null;
  let usage: { tokensIn?: number; tokensOut?: number } = {};
  let finishReason: string | null = null;
  let error: { code: string; message: string } | undefined;
  let errorKind: string | undefined;
  try {
    for await (const ev of opts.provider.streamChat({ ...opts.request, signal: gen.controller.signal })) {
      if (ev.type === 'delta') {
        // Provider text cannot be refused like input: made storable (no NUL, no lone surrogate) instead.
        const content = cleanProviderText(ev.content);
        if (!content) continue;
        const first = ttftMs === null;
        ttftMs ??= Math.round(performance.now() - started);
        gen.content += content;
        deps.pacing.added(gen, first);
      } else {
        finishReason = ev.finishReason;
        usage = ev.usage ?? {};
      }
    }
  } catch (err) {
    if (!gen.controller.signal.aborted) {
      error = errorOf(err);
      errorKind = err instanceof ProviderError ? err.kind : undefined;
      logger.warn(
        { message_id: gen.messageId, code: error.code, reason: error.message },
        'generation failed',
      );
    }
  }
  const aborted = gen.controller.signal.aborted;
  if (gen.interrupted && !error) error = { ...writers.INTERRUPTED };
  let status: GenerationOutcome['status'] = error ? 'failed' : aborted ? 'aborted' : 'completed';
  const latencyMs = Math.round(performance.now() - started);
  const tokensIn = usage.tokensIn ?? estimateTokens(opts.request.messages.map((m) => m.content).join('\n'));
  const tokensOut = usage.tokensOut ?? estimateTokens(gen.content);
  let metadata: MessageMetadata = {
    ...opts.metadata,
    latency_ms: latencyMs,
    ttft_ms: ttftMs,
    tokens_in: tokensIn,
    tokens_out: tokensOut,
    cached: false,
    finish_reason: aborted && !error ? 'aborted' : error ? 'error' : (finishReason ?? 'stop'),
    ...(error ? { error } : {}),
  };
  // No partial save starts once the stream is over; the one in flight lands before the last word.
  gen.streamEnded = true;
  await gen.saving;
  let stored = await store({ content: gen.content, status, metadata });
  if (!stored) {
    // The text itself may be what the database refuses: end the row failed with the text last saved, so it
    // never stays 'streaming' and nobody is told it completed. If even that fails, the sweep ends it.
    error = STORAGE_FAILED;
    status = 'failed';
    metadata = { ...metadata, finish_reason: 'error', error };
    stored = await store({ status, metadata });
  }
  const row = stored?.row;
  const message = row
    ? toMessage(row)
    : {
        ...toMessage(opts.message),
        content: gen.content,
        status,
        metadata,
        updated_at: new Date().toISOString(),
      };
  const outcome: GenerationOutcome = {
    message,
    status,
    latencyMs,
    ttftMs,
    tokensIn,
    tokensOut,
    ...(error ? { error } : {}),
    ...(errorKind ? { errorKind } : {}),
  };
  deps.release(gen);
  gen.finish(outcome);
  try {
    opts.onFinished?.(outcome);
  } catch (err) {
    logger.warn({ err }, 'generation finish hook failed');
  }
}
