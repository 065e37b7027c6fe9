import { and, desc, eq, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client.js';
import { perDb } from '../db/prepared.js';
import { jobs } from '../db/schema/index.js';
import { returnedRow } from '../lib/sql-rows.js';

export type JobRow = typeof jobs.$inferSelect;
export type JobStatus = JobRow['status'];

const msFromNow = (ms: number) => sql`now() + ${Math.max(0, Math.round(ms))} * interval '1 millisecond'`;

export async function insertJob(
  db: Db,
  row: {
    id: string;
    userId: string;
    jobType: string;
    inputData: Record<string, unknown>;
    maxAttempts: number;
  },
): Promise<JobRow> {
  return returnedRow(await db.insert(jobs).values(row).returning(), 'insert into jobs');
}

// The claim runs every poll on every instance, so it and the next-due read are prepared once per database
// handle (built and parsed once, not every poll: an idle server spent its CPU building the claim's SQL).
const ph = sql.placeholder;
const ofTypes = sql`${jobs.jobType} = any(${ph('jobTypes')}::text[])`;
function prepare(db: Db) {
  const due = or(
    and(eq(jobs.status, 'pending'), sql`${jobs.runAfter} <= now()`),
    and(eq(jobs.status, 'processing'), sql`${jobs.lockedUntil} < now()`),
  );
  const candidates = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(due, ofTypes))
    .orderBy(jobs.runAfter)
    .limit(ph('limit'))
    .for('update', { skipLocked: true });
  const claim = db
    .update(jobs)
    .set({
      status: 'processing',
      attempts: sql`${jobs.attempts} + 1`,
      lockedBy: sql`${ph('workerId')}`,
      lockedUntil: sql`now() + ${ph('leaseMs')}::int * interval '1 millisecond'`,
      updatedAt: sql`now()`,
    })
    .where(inArray(jobs.id, candidates))
    .returning()
    .prepare('claim_jobs');
  // When the next job becomes claimable: a pending job's run_after (a retry's backoff), a processing job's
  // lease end (its worker may have died). In the database's clock, as milliseconds from now.
  const nextDue = db
    .select({
      ms: sql<
        number | null
      >`(extract(epoch from min(case when ${jobs.status} = 'pending' then ${jobs.runAfter}
        else ${jobs.lockedUntil} end) - now()) * 1000)::float8`,
    })
    .from(jobs)
    .where(and(inArray(jobs.status, ['pending', 'processing']), ofTypes))
    .prepare('next_job_due');
  return { claim, nextDue };
}
const prepared = perDb(prepare);

/**
 * Claims up to `limit` runnable jobs in ONE statement: due pending jobs, and processing jobs whose lease
 * expired (their worker died). SKIP LOCKED makes concurrent claimers take disjoint rows; the outer UPDATE
 * re-checks the row, so a job is handed to exactly one worker.
 */
export async function claimJobs(
  db: Db,
  opts: { workerId: string; limit: number; leaseMs: number; jobTypes: string[] },
): Promise<JobRow[]> {
  if (opts.limit <= 0 || opts.jobTypes.length === 0) return [];
  // (drizzle types a prepared UPDATE's rows as unknown; they are the jobs rows of `returning()`)
  return (await prepared(db).claim.execute({
    workerId: opts.workerId,
    limit: opts.limit,
    leaseMs: Math.max(0, Math.round(opts.leaseMs)),
    jobTypes: opts.jobTypes,
  })) as JobRow[];
}

/**
 * Milliseconds until the next job of these types can be claimed (≤ 0: one is due now), or null when none is
 * waiting or running.
 */
export async function msUntilNextJob(db: Db, jobTypes: string[]): Promise<number | null> {
  if (jobTypes.length === 0) return null;
  const [row] = (await prepared(db).nextDue.execute({ jobTypes })) as { ms: number | string | null }[];
  return row?.ms == null ? null : Number(row.ms);
}

/** Only the worker holding the lease may write a job's outcome; false means the lease was lost. */
const heldBy = (id: string, workerId: string) =>
  and(eq(jobs.id, id), eq(jobs.lockedBy, workerId), eq(jobs.status, 'processing'));

export async function extendLease(db: Db, id: string, workerId: string, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({ lockedUntil: msFromNow(leaseMs) })
    .where(heldBy(id, workerId))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** A running job's progress, shown in its output until it finishes; written only while `workerId` holds it. */
export async function recordProgress(
  db: Db,
  id: string,
  workerId: string,
  outputData: Record<string, unknown>,
): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({ outputData, updatedAt: sql`now()` })
    .where(heldBy(id, workerId))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** What every outcome write sets besides its own fields: the lease is given up. */
const unlocked = { lockedBy: null, lockedUntil: null, updatedAt: sql`now()` };

/**
 * Writes a claimed job's outcome, only while `workerId` still holds it: a worker that lost its lease cannot
 * overwrite someone else's result (then undefined).
 */
async function settleHeld(
  db: Db,
  id: string,
  workerId: string,
  outcome: PgUpdateSetSource<typeof jobs>,
): Promise<JobRow | undefined> {
  const [row] = await db
    .update(jobs)
    .set({ ...outcome, ...unlocked })
    .where(heldBy(id, workerId))
    .returning();
  return row;
}

export const completeJob = (db: Db, id: string, workerId: string, outputData: Record<string, unknown>) =>
  settleHeld(db, id, workerId, { status: 'completed', outputData, errorLog: null });

export const failJob = (db: Db, id: string, workerId: string, errorLog: string) =>
  settleHeld(db, id, workerId, { status: 'failed', errorLog });

export const retryJobLater = (db: Db, id: string, workerId: string, errorLog: string, delayMs: number) =>
  settleHeld(db, id, workerId, { status: 'pending', errorLog, runAfter: msFromNow(delayMs) });

/** Hands unfinished jobs back at shutdown; the interrupted attempt does not count against the job. */
export async function releaseJobs(db: Db, ids: string[], workerId: string): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  return db
    .update(jobs)
    .set({
      status: 'pending',
      attempts: sql`greatest(${jobs.attempts} - 1, 0)`,
      runAfter: sql`now()`,
      ...unlocked,
    })
    .where(and(inArray(jobs.id, ids), eq(jobs.lockedBy, workerId), eq(jobs.status, 'processing')))
    .returning();
}

export async function cancelPendingJob(db: Db, userId: string, id: string): Promise<JobRow | undefined> {
  const [row] = await db
    .update(jobs)
    .set({ status: 'cancelled', errorLog: 'cancelled by user', updatedAt: sql`now()` })
    .where(and(eq(jobs.id, id), eq(jobs.userId, userId), eq(jobs.status, 'pending')))
    .returning();
  return row;
}

export const findJob = async (db: Db, userId: string, id: string): Promise<JobRow | undefined> =>
  (
    await db
      .select()
      .from(jobs)
      .where(and(eq(jobs.id, id), eq(jobs.userId, userId)))
      .limit(1)
  )[0];

export async function listJobs(
  db: Db,
  userId: string,
  opts: { status?: JobStatus; jobType?: string; limit: number; beforeId?: string },
): Promise<JobRow[]> {
  const conds: (SQL | undefined)[] = [eq(jobs.userId, userId)];
  if (opts.status) conds.push(eq(jobs.status, opts.status));
  if (opts.jobType) conds.push(eq(jobs.jobType, opts.jobType));
  // Ids are UUIDv7, so id order is creation order and a keyset on id alone is exact.
  if (opts.beforeId) conds.push(lt(jobs.id, opts.beforeId));
  return db
    .select()
    .from(jobs)
    .where(and(...conds))
    .orderBy(desc(jobs.id))
    .limit(opts.limit + 1);
}
