import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/helpers/build-test-app.js';
import { registerUser } from '../../test/helpers/factories.js';
import { jobs } from '../db/schema/index.js';
import { JOB_UPDATED, type JobHandler, JobQueue, PermanentJobError } from './queue.js';

let t: TestApp;
let userId: string;
const queues: JobQueue[] = [];

beforeAll(async () => {
  t = await buildTestApp();
  userId = (await registerUser(t.app)).id;
});
afterEach(async () => {
  for (const q of queues.splice(0)) await q.stop();
});
afterAll(() => t.close());

/** A worker on the test database, as another instance would run it: fast polling and backoff. */
function worker(
  handlers: Record<string, JobHandler>,
  opts: { concurrency?: number; graceMs?: number; pollIntervalMs?: number; backoffBaseMs?: number } = {},
) {
  const q = new JobQueue({
    db: t.database.db,
    bus: t.app.ctx.bus,
    logger: t.app.log,
    concurrency: opts.concurrency ?? 4,
    pollIntervalMs: opts.pollIntervalMs ?? 25,
    maxAttempts: 3,
    shutdownGraceMs: opts.graceMs ?? 2000,
    backoffBaseMs: opts.backoffBaseMs ?? 10,
    leaseMs: 2000,
  });
  for (const [type, handler] of Object.entries(handlers)) q.register(type, handler);
  queues.push(q);
  return q;
}

const jobRow = async (id: string) => (await t.database.db.select().from(jobs).where(eq(jobs.id, id)))[0];

async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Marks a job as running on worker `lockedBy` (its attempts so far), its lease ending `leaseEnd` from now. */
const holdJob = (id: string, lockedBy: string, attempts: number, leaseEnd: string) =>
  t.database.db
    .update(jobs)
    .set({ status: 'processing', attempts, lockedBy, lockedUntil: sql`now() + ${leaseEnd}::interval` })
    .where(eq(jobs.id, id));

const finished = (id: string) => async () => {
  const row = await jobRow(id);
  return row && ['completed', 'failed', 'cancelled'].includes(row.status) ? row : undefined;
};

describe('job queue', () => {
  it('runs each of 100 jobs exactly once across two workers', async () => {
    const runs = new Map<string, number>();
    const byWorker = new Map<string, number>();
    const handler =
      (name: string): JobHandler =>
      async ({ job }) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        byWorker.set(name, (byWorker.get(name) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 5));
        return { ok: true };
      };
    const a = worker({ 'test.once': handler('a') });
    const b = worker({ 'test.once': handler('b') });
    const ids = [];
    for (let i = 0; i < 100; i++) ids.push((await a.enqueue(userId, 'test.once', { i })).id);
    a.start();
    b.start();
    await waitFor(async () => {
      const [row] = await t.database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(jobs)
        .where(sql`${jobs.jobType} = 'test.once' and ${jobs.status} = 'completed'`);
      return row?.n === 100;
    });
    expect(runs.size).toBe(100);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect((byWorker.get('a') ?? 0) + (byWorker.get('b') ?? 0)).toBe(100);
    expect(byWorker.get('a')).toBeGreaterThan(0);
    expect(byWorker.get('b')).toBeGreaterThan(0);
    const rows = await t.database.db.select().from(jobs).where(eq(jobs.jobType, 'test.once'));
    expect(rows.every((r) => r.attempts === 1 && r.lockedBy === null)).toBe(true);
  });

  it('retries with backoff and then succeeds, publishing each status change', async () => {
    let calls = 0;
    const q = worker({
      'test.flaky': async () => {
        calls += 1;
        if (calls < 3) throw new Error(`temporary failure ${calls}`);
        return { calls };
      },
    });
    // Heard from before the enqueue: with Redis its own 'pending' may come back after enqueue() returns or before.
    const heard: { id: string; status: string }[] = [];
    const off = t.app.ctx.bus.subscribe(JOB_UPDATED, (p) => {
      heard.push({ id: String(p.job_id), status: String(p.status) });
    });
    const job = await q.enqueue(userId, 'test.flaky', {});
    const seen = () => heard.filter((h) => h.id === job.id).map((h) => h.status);
    q.start();
    const done = await waitFor(finished(job.id));
    // With Redis the bus is a network hop: the last event may arrive just after the row changed.
    await expect.poll(() => seen().at(-1)).toBe('completed');
    off();
    expect(done).toMatchObject({
      status: 'completed',
      attempts: 3,
      outputData: { calls: 3 },
      errorLog: null,
    });
    expect(seen()).toEqual([
      'pending',
      'processing',
      'pending',
      'processing',
      'pending',
      'processing',
      'completed',
    ]);
  });

  it('fails a job once its attempts are used up, keeping the last error', async () => {
    const q = worker({
      'test.broken': async ({ job }) => {
        throw new Error(`still broken on attempt ${job.attempts}`);
      },
    });
    const job = await q.enqueue(userId, 'test.broken', {});
    q.start();
    expect(await waitFor(finished(job.id))).toMatchObject({
      status: 'failed',
      attempts: 3,
      errorLog: 'still broken on attempt 3',
    });
  });

  it('fails at once when the handler says retrying cannot help', async () => {
    const q = worker({
      'test.permanent': async () => {
        throw new PermanentJobError('the provider refused the prompt');
      },
    });
    const job = await q.enqueue(userId, 'test.permanent', {});
    q.start();
    expect(await waitFor(finished(job.id))).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('reclaims a job whose worker died (lease expired) but not one whose lease is still held', async () => {
    const q = worker({ 'test.stale': async () => ({ recovered: true }) });
    const dead = await q.enqueue(userId, 'test.stale', {});
    const alive = await q.enqueue(userId, 'test.stale', {});
    await holdJob(dead.id, 'dead-worker', 1, '-1 second');
    await holdJob(alive.id, 'live-worker', 1, '1 hour');
    q.start();
    expect(await waitFor(finished(dead.id))).toMatchObject({
      status: 'completed',
      attempts: 2,
      lockedBy: null,
    });
    expect(await jobRow(alive.id)).toMatchObject({
      status: 'processing',
      lockedBy: 'live-worker',
      attempts: 1,
    });
  });

  it('gives up on a job whose worker keeps dying on its last attempt', async () => {
    const q = worker({ 'test.crashy': async () => ({ ran: true }) });
    const job = await q.enqueue(userId, 'test.crashy', {});
    await holdJob(job.id, 'dead', 3, '-1 second');
    q.start();
    const row = await waitFor(finished(job.id));
    expect(row.status).toBe('failed');
    expect(row.errorLog).toMatch(/gave up after 3 attempts/);
  });

  it('on stop, lets short jobs finish and hands a long one back to pending', async () => {
    let started = 0;
    const q = worker(
      {
        'test.long': ({ signal }) =>
          new Promise((_resolve, reject) => {
            started += 1;
            signal.addEventListener('abort', () => reject(new Error('aborted')));
          }),
        'test.short': async () => {
          await new Promise((r) => setTimeout(r, 50));
          return { short: true };
        },
      },
      { graceMs: 300 },
    );
    const long = await q.enqueue(userId, 'test.long', {});
    const short = await q.enqueue(userId, 'test.short', {});
    q.start();
    await waitFor(async () => started === 1 && (await jobRow(short.id))?.status === 'processing');
    await q.stop();
    expect(await jobRow(short.id)).toMatchObject({ status: 'completed' });
    expect(await jobRow(long.id)).toMatchObject({ status: 'pending', attempts: 0, lockedBy: null });
    // A stopped queue claims nothing more.
    const later = await q.enqueue(userId, 'test.short', {});
    await new Promise((r) => setTimeout(r, 100));
    expect(await jobRow(later.id)).toMatchObject({ status: 'pending' });
  });

  // An idle worker looks again only when the next job comes due (or at the poll interval, here a minute):
  // what would otherwise wait for that minute must wake it on time.
  describe('with a poll interval longer than the test', () => {
    const idle = { pollIntervalMs: 60_000 };

    it('runs a retry when its backoff ends', async () => {
      let calls = 0;
      const q = worker(
        {
          'test.wake-retry': async () => {
            calls += 1;
            if (calls === 1) throw new Error('temporary failure');
            return { calls };
          },
        },
        { ...idle, backoffBaseMs: 300 },
      );
      q.start();
      const job = await q.enqueue(userId, 'test.wake-retry', {});
      const started = Date.now();
      expect(await waitFor(finished(job.id), 10_000)).toMatchObject({ status: 'completed', attempts: 2 });
      // the backoff (300 ms ± 20 %) was waited out
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    });

    it("takes over a job when its dead worker's lease runs out", async () => {
      const q = worker({ 'test.wake-lease': async () => ({ recovered: true }) }, idle);
      const job = await q.enqueue(userId, 'test.wake-lease', {});
      await holdJob(job.id, 'dying-worker', 1, '400 milliseconds');
      q.start();
      await new Promise((r) => setTimeout(r, 150));
      expect(await jobRow(job.id)).toMatchObject({ status: 'processing', lockedBy: 'dying-worker' });
      expect(await waitFor(finished(job.id), 10_000)).toMatchObject({ status: 'completed', attempts: 2 });
    });

    it('hands a job released at shutdown to another idle worker at once', async () => {
      let aborted = false;
      const stopping = worker(
        {
          'test.wake-release': ({ signal }) =>
            new Promise((_resolve, reject) => {
              signal.addEventListener('abort', () => {
                aborted = true;
                reject(new Error('aborted'));
              });
            }),
        },
        { ...idle, graceMs: 0 },
      );
      const job = await stopping.enqueue(userId, 'test.wake-release', {});
      stopping.start();
      await waitFor(async () => (await jobRow(job.id))?.status === 'processing');
      // Started (and gone idle) while the job was running elsewhere: nothing but the release can wake it.
      const taker = worker({ 'test.wake-release': async () => ({ taken: true }) }, idle);
      taker.start();
      await new Promise((r) => setTimeout(r, 100));
      await stopping.stop();
      expect(aborted).toBe(true);
      expect(await waitFor(finished(job.id), 10_000)).toMatchObject({
        status: 'completed',
        outputData: { taken: true },
      });
    });
  });
});
