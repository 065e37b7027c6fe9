import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../test/helpers/build-test-app.js';
import { registerUser } from '../../test/helpers/factories.js';
import { canStartRedis, TestRedisServer } from '../../test/helpers/redis-server.js';
import { testEngine, testRedisPrefix } from '../../test/helpers/test-db.js';
import { createLogger } from '../plugins/logger.js';
import { createRedisBus, type EventBus } from './event-bus.js';
import { createRedis } from './redis.js';

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// These stop and restart a Redis of their own, so they need the binary, not TEST_REDIS_URL; once per run.
const run = canStartRedis() && testEngine() === 'pglite';
if (!canStartRedis()) console.warn('Redis bus tests skipped: no /usr/bin/redis-server to start and stop');

describe.skipIf(!run)('the Redis event bus', () => {
  let server: TestRedisServer;
  const logs: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
  beforeAll(async () => {
    server = await TestRedisServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  function connect(prefix: string) {
    return createRedis({ url: server.url, prefix, logger });
  }

  it('delivers to a subscription made while the connection is still being made', async () => {
    const prefix = testRedisPrefix();
    const redis = connect(prefix);
    const bus = createRedisBus(redis, logger);
    const got: unknown[] = [];
    bus.subscribe('t.early', (m) => got.push(m));
    expect(bus.status().subscribed).toBe(false);
    await until(() => bus.status().subscribed);
    const other = new Redis(server.url);
    await other.publish(`${prefix}t.early`, JSON.stringify({ n: 1 }));
    await until(() => got.length === 1);
    expect(got).toEqual([{ n: 1 }]);
    other.disconnect();
    await bus.close();
    redis.disconnect();
  });

  it('says it is not subscribed while Redis is away, logs it, and subscribes again when it returns', async () => {
    const prefix = testRedisPrefix();
    const redis = connect(prefix);
    const bus: EventBus = createRedisBus(redis, logger);
    const got: unknown[] = [];
    let resyncs = 0;
    bus.onResync(() => resyncs++);
    bus.subscribe('t.again', (m) => got.push(m));
    await until(() => bus.status().subscribed);
    const before = resyncs;

    await server.stop();
    await until(() => !bus.status().subscribed);
    expect(bus.status().reason).toBeTruthy();
    await until(() => logs.some((l) => l.includes('event bus not subscribed')));

    await server.start();
    await until(() => bus.status().subscribed, 8000);
    expect(resyncs).toBe(before + 1);
    expect(logs.some((l) => l.includes('event bus subscribed again'))).toBe(true);
    const other = new Redis(server.url);
    await other.publish(`${prefix}t.again`, JSON.stringify({ n: 2 }));
    await until(() => got.length === 1);
    other.disconnect();
    await bus.close();
    redis.disconnect();
  });

  describe('across two apps on one database', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      const redisPrefix = testRedisPrefix();
      a = await buildTestApp({ redisUrl: server.url, redisPrefix });
      b = await buildTestApp({ redisUrl: server.url, redisPrefix, database: a.database });
      await until(() => a.app.ctx.bus.status().subscribed && b.app.ctx.bus.status().subscribed);
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it('/readyz says degraded, with the reason, while the bus is not subscribed', async () => {
      expect(json(await a.app.inject({ url: '/readyz' }))).toEqual({ status: 'ready' });
      await server.stop();
      await until(() => !a.app.ctx.bus.status().subscribed);
      const res = await a.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(200);
      const body = json<{ status: string; reasons: string[] }>(res);
      expect(body.status).toBe('degraded');
      expect(body.reasons[0]).toMatch(/^event bus: /);
      await server.start();
      await until(() => a.app.ctx.bus.status().subscribed, 8000);
      expect(json(await a.app.inject({ url: '/readyz' }))).toEqual({ status: 'ready' });
    });

    it('a logout while Redis is away still ends the session on the other instance', async () => {
      await until(() => a.app.ctx.bus.status().subscribed && b.app.ctx.bus.status().subscribed, 8000);
      const user = await registerUser(a.app);
      // A caches the session.
      expect((await a.app.inject({ url: '/v1/auth/me', headers: user.headers })).statusCode).toBe(200);
      await server.stop();
      await until(() => !a.app.ctx.bus.status().subscribed);
      const out = await b.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: user.headers });
      expect(out.statusCode).toBe(204);
      expect((await a.app.inject({ url: '/v1/auth/me', headers: user.headers })).statusCode).toBe(401);
      await server.start();
      await until(() => a.app.ctx.bus.status().subscribed, 8000);
    });

    it('after Redis returns, a logout on one app reaches the other through the bus', async () => {
      await until(() => a.app.ctx.bus.status().subscribed && b.app.ctx.bus.status().subscribed, 8000);
      const user = await registerUser(a.app);
      expect((await a.app.inject({ url: '/v1/auth/me', headers: user.headers })).statusCode).toBe(200);
      await b.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: user.headers });
      await until(async () => {
        const res = await a.app.inject({ url: '/v1/auth/me', headers: user.headers });
        return res.statusCode === 401;
      }, 1000);
    });
  });
});
