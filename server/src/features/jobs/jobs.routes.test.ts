import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { createTestDatabase } from '../../../test/helpers/test-db.js';

let t: TestApp;
let owner: TestUser;
let other: TestUser;
let openGate: () => void = () => {};
const gate = new Promise<void>((resolve) => {
  openGate = resolve;
});

interface JobBody {
  id: string;
  job_type: string;
  status: string;
  attempts: number;
  input_data: Record<string, unknown>;
  output_data: Record<string, unknown> | null;
  error_log: string | null;
}

beforeAll(async () => {
  t = await buildTestApp({ startLifecycle: true, env: { JOB_POLL_INTERVAL_MS: '50' } });
  t.app.ctx.services.jobQueue.register('test.gated', async () => {
    await gate;
    return { opened: true };
  });
  owner = await registerUser(t.app);
  other = await registerUser(t.app);
});
afterAll(() => t.close());

/** 'test.unhandled' has no handler anywhere: such a job stays pending. */
const enqueue = (user: TestUser, type = 'test.unhandled', input: Record<string, unknown> = {}) =>
  t.app.ctx.services.jobQueue.enqueue(user.id, type, input);

const getJob = async (user: TestUser, id: string, query = '') =>
  t.app.inject({ url: `/v1/jobs/${id}${query}`, headers: user.headers });

describe('jobs API', () => {
  it('lists the caller’s jobs newest first, filtered and paginated', async () => {
    const a = await enqueue(owner, 'test.unhandled', { n: 1 });
    const b = await enqueue(owner, 'test.other-kind', { n: 2 });
    const c = await enqueue(owner, 'test.unhandled', { n: 3 });
    await enqueue(other);
    const first = json<{ jobs: JobBody[]; next_cursor: string | null }>(
      await t.app.inject({ url: '/v1/jobs?limit=2', headers: owner.headers }),
    );
    expect(first.jobs.map((j) => j.id)).toEqual([c.id, b.id]);
    expect(first.jobs[0]).toMatchObject({
      job_type: 'test.unhandled',
      status: 'pending',
      input_data: { n: 3 },
      attempts: 0,
    });
    expect(Object.keys(first.jobs[0] ?? {}).sort()).toEqual(
      [
        'attempts',
        'created_at',
        'error_log',
        'id',
        'input_data',
        'job_type',
        'output_data',
        'status',
        'updated_at',
      ].sort(),
    );
    const second = json<{ jobs: JobBody[]; next_cursor: string | null }>(
      await t.app.inject({ url: `/v1/jobs?limit=2&cursor=${first.next_cursor}`, headers: owner.headers }),
    );
    expect(second.jobs.map((j) => j.id)).toEqual([a.id]);
    expect(second.next_cursor).toBeNull();
    const filtered = json<{ jobs: JobBody[] }>(
      await t.app.inject({ url: '/v1/jobs?job_type=test.other-kind&status=pending', headers: owner.headers }),
    );
    expect(filtered.jobs.map((j) => j.id)).toEqual([b.id]);
  });

  it('long-polls until the status changes', async () => {
    const job = await enqueue(owner, 'test.gated');
    // Wait until a worker holds it, then wait for the next change while the gate opens.
    let seen = json<JobBody>(await getJob(owner, job.id));
    if (seen.status === 'pending') seen = json<JobBody>(await getJob(owner, job.id, '?wait=10'));
    expect(seen.status).toBe('processing');
    const started = Date.now();
    const waiting = getJob(owner, job.id, '?wait=20');
    setTimeout(openGate, 200);
    const done = json<JobBody>(await waiting);
    expect(done).toMatchObject({ status: 'completed', output_data: { opened: true }, attempts: 1 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers a long-poll with the same status once the wait runs out', async () => {
    const job = await enqueue(owner);
    const started = Date.now();
    const res = json<JobBody>(await getJob(owner, job.id, '?wait=1'));
    expect(res.status).toBe('pending');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('cancels a pending job, and refuses (409) one that is not pending', async () => {
    const job = await enqueue(owner);
    const res = await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${job.id}`, headers: owner.headers });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ status: 'cancelled', error_log: 'cancelled by user' });
    const again = await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${job.id}`, headers: owner.headers });
    expect(again.statusCode).toBe(409);
    expect(json(again)).toMatchObject({ error: { code: 'conflict' } });
  });

  it("answers 404 for another user's job, 401 without a token, 400 naming the field", async () => {
    const job = await enqueue(owner);
    expect((await getJob(other, job.id)).statusCode).toBe(404);
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${job.id}`, headers: other.headers });
    expect(del.statusCode).toBe(404);
    expect(json<JobBody>(await getJob(owner, job.id)).status).toBe('pending');
    expect((await t.app.inject({ url: '/v1/jobs' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: `/v1/jobs/${job.id}` })).statusCode).toBe(401);
    for (const [query, field] of [
      ['?status=done', 'status'],
      ['?limit=500', 'limit'],
      ['?cursor=%%%', 'cursor'],
    ] as const) {
      const res = await t.app.inject({ url: `/v1/jobs${query}`, headers: owner.headers });
      expect(res.statusCode, query).toBe(400);
      expect(json(res)).toMatchObject({ error: { details: { field } } });
    }
    const wait = await getJob(owner, job.id, '?wait=31');
    expect(wait.statusCode).toBe(400);
    expect(json(wait)).toMatchObject({ error: { details: { field: 'wait' } } });
  });
});

describe('restart', () => {
  it('finishes a job that was running when the app stopped, on a new app over the same database', async () => {
    const database = await createTestDatabase();
    const env = { JOB_POLL_INTERVAL_MS: '50', SHUTDOWN_GRACE_S: '0' };
    const first = await buildTestApp({ database, startLifecycle: true, env });
    let started = false;
    first.app.ctx.services.jobQueue.register('test.restart', ({ signal }) => {
      started = true;
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    const user = await registerUser(first.app);
    const job = await first.app.ctx.services.jobQueue.enqueue(user.id, 'test.restart', {});
    while (!started) await new Promise((r) => setTimeout(r, 20));
    await first.close();

    const second = await buildTestApp({ database, startLifecycle: true, env });
    try {
      second.app.ctx.services.jobQueue.register('test.restart', async () => ({ resumed: true }));
      second.app.ctx.services.jobQueue.wake();
      let body = json<JobBody>(await getJobOn(second, user, job.id));
      for (let i = 0; i < 10 && body.status !== 'completed'; i++) {
        body = json<JobBody>(await getJobOn(second, user, job.id, '?wait=5'));
      }
      // The interrupted attempt was handed back, so it does not count.
      expect(body).toMatchObject({ status: 'completed', attempts: 1, output_data: { resumed: true } });
    } finally {
      await second.close();
      await database.close();
    }
  });
});

function getJobOn(app: TestApp, user: TestUser, id: string, query = '') {
  return app.app.inject({ url: `/v1/jobs/${id}${query}`, headers: user.headers });
}
