import type { FastifyBaseLogger } from 'fastify';
import { type AnswerWrites, SAVE_EVERY_MS, saveIntervalMs } from './answer-writes.js';
import type { Generation } from './running-answer.js';

/**
 * The pace of the running answers of one instance, set by how many run. With a few, every delta goes to the
 * answer's listeners (its SSE clients, the bus) the moment it is parsed. With many, each answer's deltas wait
 * for one shared tick and go out together: 1,000 answers at a chunk every 20 ms were 50,000 socket writes,
 * JSON encodings and bus messages a second, more than one core does besides parsing the providers' streams.
 * The first delta of an answer never waits (it is the time to first token). Partial saves go the same way:
 * one timer for all answers, each tick saving in one statement every answer that is due.
 */

/** Up to this many running answers, deltas are told at once. */
export const PACE_FROM = 100;
/** The longest a delta waits, whatever the load. */
export const MAX_DELTA_WAIT_MS = 50;

/** How long new text may wait to be told when `running` answers run: 0 up to 100, then 1 ms per 20, at most 50. */
export const deltaWaitMs = (running: number): number =>
  running <= PACE_FROM ? 0 : Math.min(MAX_DELTA_WAIT_MS, Math.round(running / 20));

export function createAnswerPacing(deps: {
  running: Map<string, Generation>;
  writes: AnswerWrites;
  logger: FastifyBaseLogger;
}) {
  const { running, writes, logger } = deps;
  const waiting = new Set<Generation>();
  let deltaTimer: NodeJS.Timeout | null = null;
  let saveTimer: NodeJS.Timeout | null = null;

  const tellWaiting = () => {
    deltaTimer = null;
    const due = [...waiting];
    waiting.clear();
    for (const gen of due) gen.flush();
  };

  // Every running answer whose text grew and whose last save is older than its interval, in one statement.
  const saveDue = () => {
    if (running.size === 0) {
      if (saveTimer) clearInterval(saveTimer);
      saveTimer = null;
      return;
    }
    const now = performance.now();
    const every = saveIntervalMs(running.size) - 5;
    const due: Generation[] = [];
    for (const gen of running.values()) {
      const grew = gen.content.length !== gen.saved;
      if (grew && !gen.saving && !gen.streamEnded && now - gen.savedAt >= every) due.push(gen);
    }
    if (due.length === 0) return;
    const saves = writes.saveTexts(due.map((gen) => ({ id: gen.messageId, content: gen.content })));
    due.forEach((gen, i) => {
      gen.saved = gen.content.length;
      gen.savedAt = now;
      const saving: Promise<unknown> = (saves[i] as Promise<unknown>)
        .catch((err: unknown) =>
          logger.warn({ err, message_id: gen.messageId }, 'could not save partial answer'),
        )
        .finally(() => {
          if (gen.saving === saving) gen.saving = null;
        });
      gen.saving = saving;
    });
  };

  return {
    /** An answer starts: its text will be saved as it grows. */
    started() {
      if (saveTimer) return;
      saveTimer = setInterval(saveDue, SAVE_EVERY_MS);
      saveTimer.unref();
    },

    /** `gen` has new text: told at once (its first text always), or at the next shared tick. */
    added(gen: Generation, first: boolean) {
      const wait = first ? 0 : deltaWaitMs(running.size);
      if (wait === 0) {
        waiting.delete(gen);
        gen.flush();
        return;
      }
      waiting.add(gen);
      deltaTimer ??= setTimeout(tellWaiting, wait);
    },

    /** Shutdown: nothing left to pace. */
    stop() {
      if (deltaTimer) clearTimeout(deltaTimer);
      tellWaiting();
      if (saveTimer) clearInterval(saveTimer);
      saveTimer = null;
    },
  };
}

export type AnswerPacing = ReturnType<typeof createAnswerPacing>;
