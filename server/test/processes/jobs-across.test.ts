import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../fakes/index.js';
import { registerOn, within } from '../helpers/process-client.js';
import {
  call,
  ensureServerBuilt,
  type ServerProcess,
  sharedStoreEnv,
  sharedStoresAvailable,
  startServer,
} from '../helpers/server-process.js';

// Background jobs across two real server processes on one PostgreSQL + Redis. An idle worker looks for jobs
// only every JOB_POLL_INTERVAL_MS (5 s by default): work another instance cannot take must reach it through
// the bus, at once — a job enqueued where every worker is busy, and a job released by an instance that stops.
const enabled = sharedStoresAvailable();
const KEY = 'sk-img-0123456789abcdef';
// Well inside the 5 s poll: only a wake-up through the bus is this quick.
const WAKE_MS = 2_000;

describe.skipIf(!enabled)(
  'jobs across two real server processes (needs TEST_DATABASE_URL and TEST_REDIS_URL)',
  () => {
    let fake: FakeServer;
    let a: ServerProcess;
    let b: ServerProcess | undefined;
    let env: Record<string, string>;
    beforeAll(async () => {
      fake = await startFakeOpenAI({ apiKey: KEY });
      await ensureServerBuilt();
      env = await sharedStoreEnv({ JOB_CONCURRENCY: '1', SHUTDOWN_GRACE_S: '0' });
      a = await startServer(env);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await fake?.close();
    });

    const statusOf = async (s: ServerProcess, token: string, id: string) =>
      (await call(s.url, 'GET', `/v1/jobs/${id}`, { token })).body.status;

    it('a job A has no room for runs on idle B at once, and the job A releases at SIGTERM too', async () => {
      const user = await registerOn(a);
      const act = await call(a.url, 'POST', '/v1/providers/activate', {
        token: user.token,
        body: { provider: 'imagerouter', api_key: KEY, base_url: fake.url },
      });
      expect(act.status).toBe(200);
      const generate = async () => {
        const res = await call(a.url, 'POST', '/v1/images/generations', {
          token: user.token,
          body: { prompt: 'a lighthouse at dusk', model: 'test/model' },
        });
        expect(res.status).toBe(202);
        return String(res.body.job_id);
      };

      // A's one worker is busy with a generation the provider never answers.
      fake.setBehavior('hang');
      const held = await generate();
      await within(async () => fake.requestsTo('images').length === 1, 10_000);
      // B starts now: its first look finds nothing to claim, so it sleeps its poll interval.
      b = await startServer(env);
      fake.setBehavior('normal');

      const queued = await generate();
      await within(
        async () => (await statusOf(b as ServerProcess, user.token, queued)) === 'completed',
        WAKE_MS,
      );
      expect(await statusOf(a, user.token, held)).toBe('processing');

      // A stops with no grace: the held job goes back to pending, and B hears of it.
      expect(await a.stop()).toBe(0);
      await within(
        async () => (await statusOf(b as ServerProcess, user.token, held)) === 'completed',
        WAKE_MS,
      );
      expect(fake.requestsTo('images')).toHaveLength(3);
    });
  },
);
