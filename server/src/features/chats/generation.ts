import type { Message, MessageMetadata } from '@pocketllm/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import type { EventBus } from '../../lib/event-bus.js';
import { cleanProviderText } from '../../lib/text.js';
import { type ChatRequest, type LlmProvider, ProviderError } from '../../llm/types.js';
import { toMessage } from './chat.mapper.js';
import * as repo from './chats.repository.js';

/** What a listener of a running answer hears. `offset` is the answer's length after the event. */
export type GenerationEvent =
  | { type: 'delta'; content: string; offset: number }
  | { type: 'completed'; message: Message }
  | { type: 'failed'; message: Message; error: { code: string; message: string } };

export interface GenerationOutcome {
  message: Message;
  status: 'completed' | 'failed' | 'aborted';
  latencyMs: number;
  ttftMs: number | null;
  tokensIn: number;
  tokensOut: number;
  error?: { code: string; message: string };
  /** Why the provider failed (ProviderError kind), when it did. */
  errorKind?: string;
}

export interface StartOptions {
  message: repo.MessageRow;
  provider: LlmProvider;
  request: Omit<ChatRequest, 'signal'>;
  /** Facts stored in the answer's metadata from the start (provider, model, failover…). */
  metadata: MessageMetadata;
  onFinished?: (outcome: GenerationOutcome) => void;
}

// Text is saved as it grows, in batches: often enough to resume from, rarely enough to stay off the hot path.
const FLUSH_INTERVAL_MS = 250;
const CANCEL_CHANNEL = 'generation.cancel';

const estimateTokens = (text: string) => Math.ceil(text.length / 4);

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof ProviderError) {
    // The message may quote the provider's own text, and it is stored in the answer's metadata.
    const message = cleanProviderText(err.message);
    return { code: err.kind === 'timeout' ? 'provider_timeout' : 'provider_error', message };
  }
  return { code: 'provider_error', message: 'The model provider failed unexpectedly' };
}

/** One answer being written. It belongs to the server, not to the HTTP connection that asked for it. */
export class Generation {
  content = '';
  finished: GenerationOutcome | null = null;
  readonly controller = new AbortController();
  private readonly listeners = new Set<(e: GenerationEvent) => void>();
  readonly done: Promise<GenerationOutcome>;
  private resolveDone!: (o: GenerationOutcome) => void;

  constructor(
    readonly messageId: string,
    readonly chatId: string,
    readonly userId: string,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  subscribe(listener: (e: GenerationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: GenerationEvent) {
    for (const l of this.listeners) l(event);
  }

  finish(outcome: GenerationOutcome) {
    this.finished = outcome;
    this.emit(
      outcome.status === 'failed' && outcome.error
        ? { type: 'failed', message: outcome.message, error: outcome.error }
        : { type: 'completed', message: outcome.message },
    );
    this.listeners.clear();
    this.resolveDone(outcome);
  }
}

export function createGenerationRegistry(deps: { db: Db; bus: EventBus; logger: FastifyBaseLogger }) {
  const { db, bus, logger } = deps;
  const running = new Map<string, Generation>();

  // A cancel may arrive on any instance; the one running the answer aborts it.
  bus.subscribe(CANCEL_CHANNEL, (msg) => {
    if (typeof msg.messageId === 'string') running.get(msg.messageId)?.controller.abort();
  });

  async function run(gen: Generation, opts: StartOptions) {
    const started = performance.now();
    let ttftMs: number | null = null;
    let usage: { tokensIn?: number; tokensOut?: number } = {};
    let finishReason: string | null = null;
    let error: { code: string; message: string } | undefined;
    let errorKind: string | undefined;
    let saved = 0;
    let saving: Promise<unknown> = Promise.resolve();
    const save = () => {
      if (gen.content.length === saved) return;
      saved = gen.content.length;
      const content = gen.content;
      saving = saving
        .then(() => repo.updateMessage(db, gen.messageId, { content }))
        .catch((err: unknown) =>
          logger.warn({ err, message_id: gen.messageId }, 'could not save partial answer'),
        );
    };
    const timer = setInterval(save, FLUSH_INTERVAL_MS);
    try {
      for await (const ev of opts.provider.streamChat({ ...opts.request, signal: gen.controller.signal })) {
        if (ev.type === 'delta') {
          // Provider text cannot be refused like input: made storable (no NUL, no lone surrogate) instead.
          const content = cleanProviderText(ev.content);
          if (!content) continue;
          ttftMs ??= Math.round(performance.now() - started);
          gen.content += content;
          gen.emit({ type: 'delta', content, offset: gen.content.length });
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
    } finally {
      clearInterval(timer);
    }
    const aborted = gen.controller.signal.aborted;
    const status: GenerationOutcome['status'] = error ? 'failed' : aborted ? 'aborted' : 'completed';
    const latencyMs = Math.round(performance.now() - started);
    const tokensIn = usage.tokensIn ?? estimateTokens(opts.request.messages.map((m) => m.content).join('\n'));
    const tokensOut = usage.tokensOut ?? estimateTokens(gen.content);
    const metadata: MessageMetadata = {
      ...opts.metadata,
      latency_ms: latencyMs,
      ttft_ms: ttftMs,
      tokens_in: tokensIn,
      tokens_out: tokensOut,
      cached: false,
      finish_reason: aborted && !error ? 'aborted' : error ? 'error' : (finishReason ?? 'stop'),
      ...(error ? { error } : {}),
    };
    await saving;
    let row: repo.MessageRow | undefined;
    try {
      row = await repo.updateMessage(db, gen.messageId, { content: gen.content, status, metadata });
    } catch (err) {
      logger.error({ err, message_id: gen.messageId }, 'could not store the finished answer');
    }
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
    running.delete(gen.messageId);
    gen.finish(outcome);
    try {
      opts.onFinished?.(outcome);
    } catch (err) {
      logger.warn({ err }, 'generation finish hook failed');
    }
  }

  return {
    /** Starts writing an answer into the (already stored) assistant message row. */
    start(opts: StartOptions): Generation {
      const gen = new Generation(opts.message.id, opts.message.chatId, opts.message.userId);
      running.set(gen.messageId, gen);
      void run(gen, opts);
      return gen;
    },

    get: (messageId: string) => running.get(messageId),

    /** Aborts an answer wherever it runs (this instance, or another one through the bus). */
    cancel(messageId: string) {
      const gen = running.get(messageId);
      if (gen) gen.controller.abort();
      else bus.publish(CANCEL_CHANNEL, { messageId });
    },

    cancelChat(chatId: string) {
      for (const gen of running.values()) if (gen.chatId === chatId) gen.controller.abort();
    },

    get size() {
      return running.size;
    },

    /** Shutdown: let running answers finish for `graceMs`, then abort the rest (their partial text is kept). */
    async drain(graceMs: number) {
      if (running.size === 0) return;
      const all = Promise.all([...running.values()].map((g) => g.done));
      const timeout = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([all, timeout]);
      for (const gen of running.values()) gen.controller.abort();
      await all;
    },
  };
}

export type GenerationRegistry = ReturnType<typeof createGenerationRegistry>;
