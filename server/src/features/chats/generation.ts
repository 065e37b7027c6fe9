import { randomUUID } from 'node:crypto';
import type { Message, MessageMetadata } from '@pocketllm/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import type { MessageRow } from '../../db/schema/index.js';
import type { EventBus } from '../../lib/event-bus.js';
import { cleanProviderText } from '../../lib/text.js';
import type { UserEventLog } from '../../lib/user-events.js';
import { type ChatRequest, type LlmProvider, ProviderError } from '../../llm/types.js';
import { toMessage } from '../messages/message.mapper.js';
import { followAnswer, relayAnswer } from './answer-relay.js';
import { createAnswerWrites, SAVE_EVERY_MS, saveIntervalMs } from './answer-writes.js';
import type * as repo from './chats.repository.js';
import type { AnswerStream } from './message-stream.js';
import * as writers from './writers.repository.js';

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
  message: MessageRow;
  provider: LlmProvider;
  request: Omit<ChatRequest, 'signal'>;
  /** Facts stored in the answer's metadata from the start (provider, model, failover…). */
  metadata: MessageMetadata;
  onFinished?: (outcome: GenerationOutcome) => void;
}

// Text is saved as it grows, in batches: often enough to resume from, rarely enough to stay off the hot path
// (less often when many answers run: answer-writes.ts saveIntervalMs).
const CANCEL_CHANNEL = 'generation.cancel';
// After the grace, interrupted answers get this long to store themselves before shutdown stores them in bulk.
const STORE_BOUND_MS = 3000;
// A row of this instance's that no generation here writes is ended only after this long: the send stores the
// row a moment before it registers the generation, and a sweep must not fall between the two.
const OWN_GRACE_S = 5;
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

function crashOutcome(row: MessageRow, content: string): GenerationOutcome {
  const error = { ...STORAGE_FAILED };
  const message = { ...toMessage(row), content, status: 'failed' as const, metadata: { error } };
  return { message, status: 'failed', latencyMs: 0, ttftMs: null, tokensIn: 0, tokensOut: 0, error };
}

/** One answer being written. It belongs to the server, not to the HTTP connection that asked for it. */
export class Generation {
  content = '';
  finished: GenerationOutcome | null = null;
  /** Stopped by shutdown, not by the user: stored as failed (interrupted), not aborted. */
  interrupted = false;
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

export interface RegistryDeps {
  db: Db;
  bus: EventBus;
  logger: FastifyBaseLogger;
  /** How often this instance beats; one silent for three beats is dead. */
  heartbeatMs: number;
  /** Rows with no recorded writer (from before writers were recorded) are ended when this stale. */
  legacyAfterMs: number;
  /** Told when an answer ends (message.completed / message.failed of the user's event stream). */
  userEvents?: UserEventLog;
}

export function createGenerationRegistry(deps: RegistryDeps) {
  const { db, bus, logger } = deps;
  const running = new Map<string, Generation>();
  // Written into every answer this instance starts, so others can tell whether its writer still lives.
  const instanceId = randomUUID();
  // Answers' writes go grouped: with many answers running, one statement carries all their saves.
  const writes = createAnswerWrites(db);
  const orphanRule = (messageId?: string): writers.OrphanRule => ({
    self: instanceId,
    running: [...running.keys()],
    deadAfterS: (deps.heartbeatMs * 3) / 1000,
    ownGraceS: messageId ? 0 : OWN_GRACE_S,
    legacyAfterS: deps.legacyAfterMs / 1000,
    ...(messageId ? { messageId } : {}),
  });

  // The last word on an answer; null when the database refused it (logged).
  async function store(id: string, values: Parameters<typeof repo.updateMessage>[2]) {
    try {
      return { row: await writes.finish({ id, ...values }) };
    } catch (err) {
      logger.error({ err, message_id: id }, 'could not store the finished answer');
      return null;
    }
  }

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
    let savedAt = performance.now();
    const save = () => {
      if (gen.content.length === saved) return;
      const now = performance.now();
      if (now - savedAt < saveIntervalMs(running.size) - 5) return;
      savedAt = now;
      saved = gen.content.length;
      const content = gen.content;
      saving = saving
        .then(() => writes.saveText({ id: gen.messageId, content }))
        .catch((err: unknown) =>
          logger.warn({ err, message_id: gen.messageId }, 'could not save partial answer'),
        );
    };
    const timer = setInterval(save, SAVE_EVERY_MS);
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
    await saving;
    let stored = await store(gen.messageId, { content: gen.content, status, metadata });
    if (!stored) {
      // The text itself may be what the database refuses: end the row failed with the text last saved, so it
      // never stays 'streaming' and nobody is told it completed. If even that fails, the sweep ends it.
      error = STORAGE_FAILED;
      status = 'failed';
      metadata = { ...metadata, finish_reason: 'error', error };
      stored = await store(gen.messageId, { status, metadata });
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
    running.delete(gen.messageId);
    gen.finish(outcome);
    try {
      opts.onFinished?.(outcome);
    } catch (err) {
      logger.warn({ err }, 'generation finish hook failed');
    }
  }

  return {
    instanceId,

    /** Ends every answer whose writer is gone (a dead instance, or a writer here that failed). */
    sweep: () => writers.failOrphanedAnswers(db, orphanRule()),

    /** Ends this one answer if its writer is gone; the ended row, or undefined when it still has a writer. */
    endIfOrphaned: async (messageId: string) =>
      running.has(messageId) ? undefined : (await writers.failOrphanedAnswers(db, orphanRule(messageId)))[0],

    /** Starts writing an answer into the (already stored) assistant message row. */
    start(opts: StartOptions): Generation {
      const gen = new Generation(opts.message.id, opts.message.chatId, opts.message.userId);
      running.set(gen.messageId, gen);
      relayAnswer(bus, deps.userEvents, gen, opts.message);
      run(gen, opts).catch((err: unknown) => {
        // A bug of the writer itself: let go of the answer so the sweep ends it failed, and free its listeners.
        logger.error({ err, message_id: gen.messageId }, 'generation writer failed');
        running.delete(gen.messageId);
        if (!gen.finished) gen.finish(crashOutcome(opts.message, gen.content));
      });
      return gen;
    },

    get: (messageId: string) => running.get(messageId),

    /** Streams an answer another instance writes (or one already ended): the row, then the writer's deltas. */
    follow: (sse: AnswerStream, row: MessageRow, fromOffset: number, staleAfterMs: number) =>
      followAnswer(sse, { db, bus }, row, fromOffset, staleAfterMs),

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

    /**
     * Shutdown: let running answers finish for `graceMs`, then stop the rest and store them failed
     * (interrupted, partial text kept), then end in bulk whatever of this instance's is still streaming.
     */
    async drain(graceMs: number) {
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
      if (running.size > 0) {
        const all = Promise.all([...running.values()].map((g) => g.done));
        await Promise.race([all, sleep(graceMs)]);
        for (const gen of running.values()) {
          gen.interrupted = true;
          gen.controller.abort();
        }
        await Promise.race([all, sleep(STORE_BOUND_MS)]);
      }
      const left = await writers.failOwnAnswers(db, instanceId).catch((err: unknown) => {
        logger.error({ err }, 'could not store interrupted answers at shutdown');
        return [];
      });
      if (left.length)
        logger.warn({ count: left.length }, 'stored answers still running at shutdown as failed');
    },
  };
}

export type GenerationRegistry = ReturnType<typeof createGenerationRegistry>;
