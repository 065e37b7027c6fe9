import type { MessageMetadata } from '@pocketllm/contracts';
import { eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { MessageRow } from '../../db/schema/index.js';
import { messages } from '../../db/schema/index.js';

/**
 * The writes of running answers (their text as it grows, and their last word), grouped: while one statement is
 * in flight, the writes of every other answer queue up and go together as the next one, an UPDATE … FROM
 * (VALUES …). One statement of n rows costs far less than n statements (PGlite's single connection runs them one
 * by one; PostgreSQL plans and commits each), and with few answers running nothing waits: a write goes out at
 * once. A group the database refuses is retried one write at a time, so one bad row fails only itself.
 */

export interface AnswerWrite {
  id: string;
  content?: string | undefined;
  status?: MessageRow['status'] | undefined;
  metadata?: MessageMetadata | undefined;
}

interface Pending<T> {
  write: AnswerWrite;
  resolve(value: T): void;
  reject(err: unknown): void;
}

// A statement's parameters stay well under PostgreSQL's 65,535 limit (4 per write).
const MAX_GROUP = 500;

function values(writes: AnswerWrite[]): SQL {
  const rows = writes.map(
    (w) =>
      sql`(${w.id}::uuid, ${w.content ?? null}::text, ${w.status ?? null}::text, ${
        w.metadata === undefined ? null : JSON.stringify(w.metadata)
      }::jsonb)`,
  );
  return sql`(values ${sql.join(rows, sql`, `)}) as v(id, content, status, metadata)`;
}

/** The set clause: what a write leaves out (null in its VALUES row) keeps the row's value. */
const setClause = {
  content: sql`coalesce(v.content, ${messages.content})`,
  status: sql`coalesce(v.status, ${messages.status})`,
  metadata: sql`coalesce(v.metadata, ${messages.metadata})`,
  updatedAt: sql`now()`,
};

/** Several answers' final writes in one statement; the stored rows, in no particular order. */
export function finishAnswers(db: Db, writes: AnswerWrite[]): Promise<MessageRow[]> {
  return db
    .update(messages)
    .set(setClause)
    .from(values(writes))
    .where(eq(messages.id, sql`v.id`))
    .returning();
}

/**
 * Several answers' partial text in one statement. Only a row still 'streaming' takes it: a save that arrives
 * after its answer's last word (or after a sweep ended it) changes nothing.
 */
export async function saveAnswerTexts(db: Db, writes: AnswerWrite[]): Promise<void> {
  await db
    .update(messages)
    .set({ content: sql`v.content`, updatedAt: sql`now()` })
    .from(values(writes))
    .where(sql`${messages.id} = v.id and ${messages.status} = 'streaming'`);
}

/** A running answer's text is saved at most this often, and at least this often whatever the load. */
export const SAVE_EVERY_MS = 250;
export const SAVE_AT_MOST_EVERY_MS = 5000;
/** The partial-text saves (row writes) per second the running answers share, past which each saves less often. */
export const SAVES_PER_SECOND = 400;

/**
 * How long a running answer waits between saves of its text when `running` answers run here: 250 ms up to 100
 * of them, then longer so that together they stay near SAVES_PER_SECOND row writes (each one rewrites the
 * growing text, its search vector and the row's indexes: with 1,000 answers at 250 ms that was 4,000 a second
 * and the database spent its time there, not on new sends), never longer than 5 s. The saved text is what a
 * resume on another instance starts from; live deltas still reach every follower through the bus.
 */
export const saveIntervalMs = (running: number): number =>
  Math.min(SAVE_AT_MOST_EVERY_MS, Math.max(SAVE_EVERY_MS, (running * 1000) / SAVES_PER_SECOND));

/**
 * Groups calls of `run`: one group in flight at a time, the next made of everything queued meanwhile. The
 * function takes one write; its `many` takes several at once (they may go in one group).
 */
export function grouped<T>(run: (writes: AnswerWrite[]) => Promise<Map<string, T>>, missing: T) {
  let queue: Pending<T>[] = [];
  let busy = false;

  async function runAlone(p: Pending<T>) {
    try {
      p.resolve((await run([p.write])).get(p.write.id) ?? missing);
    } catch (err) {
      p.reject(err);
    }
  }

  async function drain() {
    busy = true;
    while (queue.length) {
      // Two writes of one answer in a group would race inside the statement: a repeated id waits its turn.
      const group: Pending<T>[] = [];
      const ids = new Set<string>();
      const rest: Pending<T>[] = [];
      for (const p of queue) {
        if (group.length < MAX_GROUP && !ids.has(p.write.id)) {
          group.push(p);
          ids.add(p.write.id);
        } else rest.push(p);
      }
      queue = rest;
      try {
        const out = await run(group.map((p) => p.write));
        for (const p of group) p.resolve(out.get(p.write.id) ?? missing);
      } catch (err) {
        if (group.length === 1) group[0]?.reject(err);
        else for (const p of group) await runAlone(p);
      }
    }
    busy = false;
  }

  const enqueue = (write: AnswerWrite) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ write, resolve, reject });
    });
  const one = (write: AnswerWrite): Promise<T> => {
    const p = enqueue(write);
    if (!busy) void drain();
    return p;
  };
  return Object.assign(one, {
    many(writes: AnswerWrite[]): Promise<T>[] {
      const ps = writes.map(enqueue);
      if (!busy) void drain();
      return ps;
    },
  });
}

export function createAnswerWrites(db: Db) {
  const saveText = grouped<true>(async (writes) => {
    await saveAnswerTexts(db, writes);
    return new Map(writes.map((w) => [w.id, true as const]));
  }, true);
  return {
    /** A running answer's text so far (ignored once the answer has ended). */
    saveText,
    /** Several running answers' text, queued together (one statement when nothing else is queued). */
    saveTexts: saveText.many,
    /** An answer's last word: the stored row, or undefined when the row is gone. @throws the database's error */
    finish: grouped<MessageRow | undefined>(
      async (writes) => new Map((await finishAnswers(db, writes)).map((r) => [r.id, r])),
      undefined,
    ),
  };
}

export type AnswerWrites = ReturnType<typeof createAnswerWrites>;
