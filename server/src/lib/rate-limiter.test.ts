import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/helpers/build-test-app.js';
import { freePort, type OwnRedis, startOwnRedis } from '../../test/helpers/own-redis.js';
import { createLogger } from '../plugins/logger.js';
import { addressKey, BATCH_MIN_LIMIT, RateLimiter, REDIS_RETRY_MS } from './rate-limiter.js';
import { createRedis } from './redis.js';

// Redis here is one this file starts and kills on a free port (never the machine's), so these run on
// both engines.
const FALLBACK_LOG = 'counting rate limits in process';
const BACK_LOG = 'rate limits counted in Redis again';

const logins = async (t: TestApp, from: string, n: number) => {
  const codes: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      remoteAddress: from,
      payload: { email: `guess${i}-${from}@example.com`, password: 'wrong password 1' },
    });
    codes.push(res.statusCode);
  }
  return codes;
};
const countLogs = (t: TestApp, text: string) => t.logs.filter((l) => l.includes(text)).length;
async function until(what: string, ok: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('Redis configured but not there', () => {
  it('limits in process instead of not at all, and says so once', async () => {
    const t = await buildTestApp({
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      env: { RATE_LIMIT_AUTH_PER_MIN: '10' },
    });
    try {
      expect(t.redis?.status).not.toBe('ready');
      const codes = await logins(t, '10.9.0.1', 25);
      expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(codes.slice(10)).toEqual(Array(15).fill(429));
      expect(countLogs(t, FALLBACK_LOG)).toBe(1);
    } finally {
      await t.close();
    }
  });
});

describe('Redis drops and returns', () => {
  let redis: OwnRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await startOwnRedis();
    t = await buildTestApp({ redisUrl: redis.url, env: { RATE_LIMIT_AUTH_PER_MIN: '5' } });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('counts in Redis, in process while it is down, and in Redis again once it is back', async () => {
    const client = t.redis;
    if (!client) throw new Error('expected a Redis client');
    expect(client.status).toBe('ready');
    expect(await logins(t, '10.8.0.1', 3)).toEqual([401, 401, 401]);
    expect(await client.get('ratelimit:auth-ip:10.8.0.1')).toBe('3');
    expect(countLogs(t, FALLBACK_LOG)).toBe(0);

    await redis.stop();
    await until('the client to notice', () => client.status !== 'ready');
    expect(await logins(t, '10.8.0.2', 7)).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(countLogs(t, FALLBACK_LOG)).toBe(1);

    await redis.start();
    await until('the client to reconnect', () => client.status === 'ready');
    expect(await logins(t, '10.8.0.3', 2)).toEqual([401, 401]);
    expect(await client.get('ratelimit:auth-ip:10.8.0.3')).toBe('2');
    expect(countLogs(t, BACK_LOG)).toBe(1);
    expect(countLogs(t, FALLBACK_LOG)).toBe(1);
  });
});

describe('RateLimiter', () => {
  const logger = createLogger('silent');
  /** Two limiters, as on two instances, on one Redis of the test's own and one key prefix. */
  async function withTwoInstances(
    prefix: string,
    fn: (a: Redis, la: RateLimiter, lb: RateLimiter) => Promise<void>,
  ) {
    const redis = await startOwnRedis();
    const a = new Redis(redis.url, { keyPrefix: prefix });
    const b = new Redis(redis.url, { keyPrefix: prefix });
    try {
      await until('both clients', () => a.status === 'ready' && b.status === 'ready');
      await fn(a, new RateLimiter(a, logger), new RateLimiter(b, logger));
    } finally {
      a.disconnect();
      b.disconnect();
      await redis.stop();
    }
  }

  it('shares one count between instances on the same Redis and prefix, with the window as expiry', async () => {
    await withTwoInstances('pocketllm-limiter-test:', async (a, la, lb) => {
      const counts = [];
      for (let i = 0; i < 3; i++) {
        counts.push((await la.hit('k', 60_000)).count, (await lb.hit('k', 60_000)).count);
      }
      expect(counts).toEqual([1, 2, 3, 4, 5, 6]);
      const ttl = await a.pttl('ratelimit:k');
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      // A counter that lost its expiry gets one again instead of locking the key out for ever.
      await a.set('ratelimit:stuck', '100');
      const hit = await la.hit('stuck', 60_000);
      expect(hit.count).toBe(101);
      expect(await a.pttl('ratelimit:stuck')).toBeGreaterThan(0);
    });
  });

  it('batches a high-rate key to Redis below its limit, and counts exactly near it, one count for all instances', async () => {
    await withTwoInstances('pocketllm-limiter-batch:', async (a, la, lb) => {
      const limit = BATCH_MIN_LIMIT;
      // Far below the limit: after each instance's first (exact) hit, hits stay in process until a sync.
      for (let i = 0; i < 20; i++) {
        await la.hitBatched('key', 60_000, limit);
        await lb.hitBatched('key', 60_000, limit);
      }
      expect(Number(await a.get('ratelimit:key'))).toBeLessThan(40);
      await Promise.all([la.syncBatched(), lb.syncBatched()]);
      expect(Number(await a.get('ratelimit:key'))).toBe(40);
      expect(await a.pttl('ratelimit:key')).toBeGreaterThan(50_000);
      // Up to the limit and past it: two instances together admit exactly `limit`.
      let admitted = 40;
      for (let i = 0; i < limit; i++) {
        for (const l of [la, lb]) if ((await l.hitBatched('key', 60_000, limit)).count <= limit) admitted++;
        if (i % 5 === 0) await Promise.all([la.syncBatched(), lb.syncBatched()]);
      }
      await Promise.all([la.syncBatched(), lb.syncBatched()]);
      expect(admitted).toBe(limit);
      expect(Number(await a.get('ratelimit:key'))).toBe(40 + 2 * limit);
      // A small limit is exact on every hit.
      const small = [];
      for (let i = 0; i < 3; i++)
        small.push(
          (await la.hitBatched('small', 60_000, 5)).count,
          (await lb.hitBatched('small', 60_000, 5)).count,
        );
      expect(small).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });

  it('batches nothing without Redis: a high-rate key is counted in process', async () => {
    const limiter = new RateLimiter(null, logger);
    for (let i = 1; i <= 5; i++) expect((await limiter.hitBatched('k', 60_000, 1000)).count).toBe(i);
  });

  it('leaves a hanging Redis alone for a while instead of waiting for it on every request', async () => {
    const redis = await startOwnRedis();
    const client = createRedis({ url: redis.url, prefix: 'pocketllm-limiter-hang:', logger });
    let now = 1_000_000;
    const limiter = new RateLimiter(client, logger, () => now);
    try {
      await until('the client', () => client.status === 'ready');
      expect((await limiter.hit('h', 60_000)).count).toBe(1);
      redis.pause();
      // The first hit waits for the client's command timeout, then counts in process…
      expect((await limiter.hit('h', 60_000)).count).toBe(1);
      // …and the next ones do not wait at all while the pause lasts.
      const started = Date.now();
      for (let i = 2; i <= 5; i++) expect((await limiter.hit('h', 60_000)).count).toBe(i);
      expect(Date.now() - started).toBeLessThan(500);
      redis.resume();
      now += REDIS_RETRY_MS;
      // Back on Redis: 1 before the pause, 1 that timed out but ran once Redis thawed, and this one.
      expect((await limiter.hit('h', 60_000)).count).toBe(3);
      expect(await client.get('ratelimit:h')).toBe('3');
    } finally {
      client.disconnect();
      await redis.stop();
    }
  });

  it('starts a new window in process once the old one has ended', async () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(null, logger, () => now);
    expect(await limiter.hit('k', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
    now += 59_000;
    expect(await limiter.hit('k', 60_000)).toEqual({ count: 2, resetInMs: 1_000 });
    now += 1_000;
    expect(await limiter.hit('k', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
    expect(await limiter.hit('other', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
  });
});

describe('addressKey', () => {
  it('keeps IPv4, folds IPv4-mapped IPv6 into it, and counts other IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:DB8:1:2:ffff:eeee:dddd:cccc')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('64:ff9b::203.0.113.7')).toBe('64:ff9b:0:0::/64');
    expect(addressKey('not an address')).toBe('not an address');
  });
});
