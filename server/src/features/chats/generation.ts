import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import type { MessageRow } from '../../db/schema/index.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { UserEventLog } from '../../lib/user-events.js';
import { createAnswerPacing } from './answer-pacing.js';
import { followAnswer, relayAnswer } from './answer-relay.js';
import { crashOutcome, writeAnswer } from './answer-writer.js';
import { createAnswerWrites } from './answer-writes.js';
import type { AnswerStream } from './message-stream.js';
import { Generation, type StartOptions } from './running-answer.js';
import * as writers from './writers.repository.js';

export type { Generation, GenerationEvent, GenerationOutcome, StartOptions } from './running-answer.js';

const CANCEL_CHANNEL = 'generation.cancel';
// After the grace, interrupted answers get this long to store themselves before shutdown stores them in bulk.
const STORE_BOUND_MS = 3000;
// A row of this instance's that no generation here writes is ended only after this long: the send stores the
// row a moment before it registers the generation, and a sweep must not fall between the two.
const OWN_GRACE_S = 5;

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

  // A cancel may arrive on any instance; the one running the answer aborts it.
  bus.subscribe(CANCEL_CHANNEL, (msg) => {
    if (typeof msg.messageId === 'string') running.get(msg.messageId)?.controller.abort();
  });

  const pacing = createAnswerPacing({ running, writes, logger });
  const writer = { writes, pacing, logger, release: (gen: Generation) => running.delete(gen.messageId) };

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
      pacing.started();
      relayAnswer(bus, deps.userEvents, gen, opts.message);
      writeAnswer(writer, gen, opts).catch((err: unknown) => {
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
      pacing.stop();
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
