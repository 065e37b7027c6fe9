import { and, eq, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { instances, messages } from '../../db/schema/index.js';

export const registerInstance = (db: Db, id: string) =>
  db
    .insert(instances)
    .values({ id })
    .onConflictDoUpdate({ target: instances.id, set: { heartbeatAt: sql`now()` } });

/** False when the row is gone (another instance took us for dead and cleaned up): the caller registers again. */
export const beat = async (db: Db, id: string) =>
  (await db.update(instances).set({ heartbeatAt: sql`now()` }).where(eq(instances.id, id)).returning())
    .length > 0;

/** A clean exit: nothing of this instance is left to write. */
export const removeInstance = (db: Db, id: string) => db.delete(instances).where(eq(instances.id, id));

/** Rows of instances silent for twice the dead time go, so the table stays as small as the fleet. */
export const forgetDeadInstances = (db: Db, silentForS: number) =>
  db.delete(instances).where(lt(instances.heartbeatAt, secondsAgo(silentForS * 2)));

const secondsAgo = (s: number) => sql`now() - make_interval(secs => ${s}::double precision)`;

export const INTERRUPTED = {
  code: 'interrupted',
  message: 'The server stopped while this answer was being written',
} as const;

const interruptedSet = {
  status: 'failed' as const,
  metadata: sql`${messages.metadata} || jsonb_build_object('error', jsonb_build_object('code', ${INTERRUPTED.code}::text, 'message', ${INTERRUPTED.message}::text), 'finish_reason', 'error')`,
};

export interface OrphanRule {
  /** This instance. */
  self: string;
  /** Answers this instance is writing right now. */
  running: string[];
  /** A writer silent this long is dead (and its answer must not have moved for as long). */
  deadAfterS: number;
  /** This instance's own rows that nobody here writes: ended after this long (start races the sweep by ms). */
  ownGraceS: number;
  /** Rows from before writers were recorded: ended when they have not moved for this long. */
  legacyAfterS: number;
  /** Only this answer (resume or cancel asking about one). */
  messageId?: string;
}

/**
 * Ends as failed (reason `interrupted`, partial text kept) every streaming answer whose writer is gone: a dead
 * instance, or this one when no generation here writes it any more (the writer itself failed).
 */
export const failOrphanedAnswers = (db: Db, r: OrphanRule) => {
  const writerAlive = sql`exists (select 1 from ${instances} where ${instances.id} = ${messages.writerId} and ${instances.heartbeatAt} > ${secondsAgo(r.deadAfterS)})`;
  const orphan = or(
    and(isNull(messages.writerId), lt(messages.updatedAt, secondsAgo(r.legacyAfterS))),
    and(
      sql`${messages.writerId} <> ${r.self}`,
      sql`not ${writerAlive}`,
      lt(messages.updatedAt, secondsAgo(r.deadAfterS)),
    ),
    and(
      eq(messages.writerId, r.self),
      r.running.length ? notInArray(messages.id, r.running) : undefined,
      lt(messages.updatedAt, secondsAgo(r.ownGraceS)),
    ),
  );
  return db
    .update(messages)
    .set(interruptedSet)
    .where(
      and(eq(messages.status, 'streaming'), r.messageId ? eq(messages.id, r.messageId) : undefined, orphan),
    )
    .returning();
};

/** Shutdown's last word: whatever this instance still has streaming is ended as interrupted. */
export const failOwnAnswers = (db: Db, self: string) =>
  db
    .update(messages)
    .set(interruptedSet)
    .where(and(eq(messages.status, 'streaming'), eq(messages.writerId, self)))
    .returning({ id: messages.id });
