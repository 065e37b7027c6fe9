import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../fakes/index.js';
import {
  followAnswer,
  freshIp,
  loginOn,
  newChat,
  registerOn,
  sendStreaming,
  within,
} from '../helpers/process-client.js';
import { canStartRedis, TestRedisServer } from '../helpers/redis-server.js';
import {
  call,
  type ServerProcess,
  sharedStoreEnv,
  sharedStoresAvailable,
  startPair,
} from '../helpers/server-process.js';

// Two real server processes (server/dist/main.js) on one PostgreSQL + Redis: what unit tests with two app
// objects in one process could not catch (issue 10, items 1-2).
const enabled = sharedStoresAvailable();
const AUTH_LIMIT = 4;
if (!process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL) {
  console.warn('two-instances suite skipped: set TEST_DATABASE_URL and TEST_REDIS_URL to run it');
}

const startPairOn = async (redisUrl: string) =>
  startPair(await sharedStoreEnv({ RATE_LIMIT_AUTH_PER_MIN: String(AUTH_LIMIT) }, redisUrl));

async function userWithProvider(a: ServerProcess, fake: FakeServer) {
  const user = await registerOn(a);
  const act = await call(a.url, 'POST', '/v1/providers/activate', {
    token: user.token,
    body: { provider: 'openai', api_key: 'sk-test-0123456789abcdef', base_url: fake.url },
  });
  expect(act.status).toBe(200);
  return user;
}

const me = (s: ServerProcess, token: string) => call(s.url, 'GET', '/v1/auth/me', { token });

/** Cancel through `b` of an answer `a` writes: the answer stops within 500 ms and is stored aborted. */
async function cancelAcross(a: ServerProcess, b: ServerProcess, token: string, fake: FakeServer) {
  fake.setBehavior({ kind: 'slow', delayMs: 100 });
  const chatId = await newChat(a, token);
  const live = await sendStreaming(a, token, chatId, 'count slowly');
  const started = performance.now();
  const res = await call(b.url, 'POST', `/v1/messages/${live.answerId}/cancel`, { token });
  const tookMs = performance.now() - started;
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('aborted');
  expect(tookMs).toBeLessThan(500);
  await live.ended;
  const last = live.events.at(-1);
  expect(last?.event).toBe('message.completed');
  const stored = await call(a.url, 'GET', `/v1/chats/${chatId}`, { token });
  const messages = stored.body.messages;
  expect(Array.isArray(messages) && messages.at(-1)).toMatchObject({ status: 'aborted' });
  fake.setBehavior('normal');
  return tookMs;
}

/** Logout on `a`: the same token stops working on `b` (which had it cached) within 100 ms. */
async function logoutAcross(a: ServerProcess, b: ServerProcess) {
  const user = await registerOn(a);
  expect((await me(b, user.token)).status).toBe(200);
  expect((await call(a.url, 'POST', '/v1/auth/logout', { token: user.token })).status).toBe(204);
  return within(async () => (await me(b, user.token)).status === 401, 100);
}

describe.skipIf(!enabled)('two real server processes (needs TEST_DATABASE_URL and TEST_REDIS_URL)', () => {
  let fake: FakeServer;
  let a: ServerProcess;
  let b: ServerProcess;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ reply: 'one two three four five six seven eight nine ten', chunks: 10 });
    [a, b] = await startPairOn(process.env.TEST_REDIS_URL ?? '');
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await fake?.close();
  });

  it('a token made on A works on B', async () => {
    const user = await registerOn(a);
    const res = await me(b, user.token);
    expect(res.status).toBe(200);
    expect(res.body.email).toBe(user.email);
  });

  it('logout on A revokes the token on B within 100 ms', async () => {
    expect(await logoutAcross(a, b)).toBeLessThan(100);
  });

  it('a password change on A ends the other sessions on B within 100 ms', async () => {
    const user = await registerOn(a);
    const other = await loginOn(a, user.email, user.password);
    expect((await me(b, other)).status).toBe(200);
    const change = await call(a.url, 'POST', '/v1/users/me/password', {
      token: user.token,
      body: { current_password: user.password, new_password: `${user.password}-new` },
    });
    expect(change.status).toBe(204);
    expect(await within(async () => (await me(b, other)).status === 401, 100)).toBeLessThan(100);
  });

  it('a profile edit on A shows in /auth/me on B, which had the profile cached', async () => {
    const user = await registerOn(a);
    expect((await me(b, user.token)).body.full_name).toBeNull();
    const edit = await call(a.url, 'PATCH', '/v1/users/me', {
      token: user.token,
      body: { full_name: 'Ada B' },
    });
    expect(edit.status).toBe(200);
    // The cache lives a minute: seeing the edit within 2 s means the bus message dropped it.
    await within(async () => (await me(b, user.token)).body.full_name === 'Ada B', 2000);
  });

  it('cancel through B stops the answer A writes within 500 ms and stores it aborted', async () => {
    const user = await userWithProvider(a, fake);
    await cancelAcross(a, b, user.token, fake);
  });

  it('B follows the answer A writes to the end', async () => {
    const user = await userWithProvider(a, fake);
    fake.setBehavior({ kind: 'slow', delayMs: 60 });
    const chatId = await newChat(a, user.token);
    const live = await sendStreaming(a, user.token, chatId, 'count');
    const followed = await followAnswer(b, user.token, live.answerId);
    await Promise.all([live.ended, followed.ended]);
    fake.setBehavior('normal');
    const text = (events: typeof live.events) =>
      events
        .filter((e) => e.event === 'delta')
        .map((e) => String(e.data.content))
        .join('');
    expect(text(followed.events)).toBe('one two three four five six seven eight nine ten');
    expect(followed.events.at(-1)?.event).toBe('message.completed');
    expect(text(live.events)).toBe(text(followed.events));
  });

  it('the per-address login limit is one budget across both instances', async () => {
    const ip = freshIp();
    const attempt = (s: ServerProcess, i: number) =>
      call(s.url, 'POST', '/v1/auth/login', {
        body: { email: `nobody${i}-${Date.now()}@example.com`, password: 'wrong-password' },
        ip,
      });
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_LIMIT; i++) statuses.push((await attempt(i % 2 ? b : a, i)).status);
    expect(statuses).toEqual(Array(AUTH_LIMIT).fill(401));
    // Each instance saw only half of them; in-process counters would still let these through.
    expect((await attempt(a, 100)).status).toBe(429);
    expect((await attempt(b, 101)).status).toBe(429);
  });
});

describe.skipIf(!enabled || !canStartRedis())(
  'two real server processes after their Redis drops and returns (needs TEST_DATABASE_URL, TEST_REDIS_URL, redis-server)',
  () => {
    let fake: FakeServer;
    let redis: TestRedisServer;
    let a: ServerProcess;
    let b: ServerProcess;
    beforeAll(async () => {
      fake = await startFakeOpenAI({ reply: 'one two three four five six seven eight nine ten', chunks: 10 });
      redis = await TestRedisServer.start();
      [a, b] = await startPairOn(redis.url);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await redis?.stop();
      await fake?.close();
    });

    it('is degraded (said in /readyz and the log) while Redis is away; revocation and cancel work again after', async () => {
      const user = await userWithProvider(a, fake);
      await redis.stop();
      for (const s of [a, b]) {
        await within(async () => (await call(s.url, 'GET', '/readyz')).body.status === 'degraded', 5000);
        const ready = await call(s.url, 'GET', '/readyz');
        expect(ready.status).toBe(200);
        expect(String(ready.body.reasons)).toMatch(/event bus/);
        expect(s.logs.some((l) => l.includes('event bus not subscribed'))).toBe(true);
      }
      await redis.start();
      for (const s of [a, b]) {
        await within(async () => (await call(s.url, 'GET', '/readyz')).body.status === 'ready', 10_000);
      }
      expect(await logoutAcross(a, b)).toBeLessThan(100);
      expect(await logoutAcross(b, a)).toBeLessThan(100);
      await cancelAcross(a, b, user.token, fake);
      await cancelAcross(b, a, user.token, fake);
    });
  },
);
