import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEvents } from '../helpers/event-client.js';
import { newChat, registerOn } from '../helpers/process-client.js';
import {
  call,
  type ServerProcess,
  sharedStoreEnv,
  sharedStoresAvailable,
  startPair,
  startServer,
} from '../helpers/server-process.js';

// Issue 12, "a few connections per user (older ones closed first)", across instances: the limit counts the
// user's /v1/events connections on every instance, and those of a crashed instance stop counting.
const enabled = sharedStoresAvailable();
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!enabled)(
  'events connection limit across real server processes (needs TEST_DATABASE_URL and TEST_REDIS_URL)',
  () => {
    let a: ServerProcess;
    let b: ServerProcess;
    let env: Record<string, string>;
    let redis: Redis;
    beforeAll(async () => {
      env = await sharedStoreEnv({ EVENTS_MAX_CONNECTIONS_PER_USER: '2', INSTANCE_HEARTBEAT_S: '1' });
      redis = new Redis(process.env.TEST_REDIS_URL ?? '', { keyPrefix: env.REDIS_PREFIX ?? '' });
      [a, b] = await startPair(env);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      redis?.disconnect();
    });

    const connections = async (token: string) => {
      const me = await call(a.url, 'GET', '/v1/users/me', { token });
      return redis.zcard(`events:conns:${String(me.body.id)}`);
    };

    it('with a limit of 2, connections on A, A, B close the oldest one, on A; then B, again the oldest (on A)', async () => {
      const user = await registerOn(a);
      const first = await openEvents(`${a.url}/v1/events`, auth(user.token));
      const second = await openEvents(`${a.url}/v1/events`, auth(user.token));
      await until(async () => (await connections(user.token)) === 2, 'two connections counted');
      const third = await openEvents(`${b.url}/v1/events`, auth(user.token));
      expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
      await first.ended;
      // The other two are still open: both hear the next change.
      const chatId = await newChat(a, user.token);
      for (const c of [second, third])
        expect((await c.next((e) => e.event === 'chat.created')).data).toMatchObject({
          chat: { id: chatId },
        });
      expect(await connections(user.token)).toBe(2);

      const fourth = await openEvents(`${b.url}/v1/events`, auth(user.token));
      await second.ended;
      const next = await newChat(a, user.token);
      for (const c of [third, fourth])
        await c.next((e) => e.event === 'chat.created' && (e.data.chat as { id: string }).id === next);
      third.close();
      fourth.close();
      await until(async () => (await connections(user.token)) === 0, 'closed connections uncounted');
    });

    it("a crashed instance's connections stop counting once its heartbeat expires", async () => {
      const c = await startServer(env);
      const user = await registerOn(a);
      const onC = [
        await openEvents(`${c.url}/v1/events`, auth(user.token)),
        await openEvents(`${c.url}/v1/events`, auth(user.token)),
      ];
      await until(async () => (await connections(user.token)) === 2, 'the connections on C counted');
      await c.stop('SIGKILL');
      await Promise.all(onC.map((x) => x.ended));
      // Its members are still in the set (nobody removed them), until its liveness key expires (3 beats).
      expect(await connections(user.token)).toBe(2);
      await until(
        async () => (await redis.keys(`${env.REDIS_PREFIX}events:instance:*`)).length === 2,
        'C expired',
      );
      const onA = await openEvents(`${a.url}/v1/events`, auth(user.token));
      // Only the live one is left: C's are dropped, not merely pushed out one at a time by newer ones.
      await until(async () => (await connections(user.token)) === 1, "C's connections dropped");
      const onB = await openEvents(`${b.url}/v1/events`, auth(user.token));
      await until(async () => (await connections(user.token)) === 2, 'A and B counted');
      const chatId = await newChat(a, user.token);
      for (const x of [onA, onB])
        expect((await x.next((e) => e.event === 'chat.created')).data).toMatchObject({
          chat: { id: chatId },
        });
      onA.close();
      onB.close();
    }, 60_000);
  },
);
