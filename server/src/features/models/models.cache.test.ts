import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { testEngine, testRedisPrefix } from '../../../test/helpers/test-db.js';
import { createRedis } from '../../lib/redis.js';
import { createLogger } from '../../plugins/logger.js';
import { createModelsCache, type SourceResult } from './models.cache.js';

const logs: string[] = [];
const logger = createLogger(
  'info',
  new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  }),
);
const value: SourceResult = {
  models: [{ id: 'm1', name: 'M1', provider: 'openai', kind: 'chat' }],
  errors: [],
};
const clients: { disconnect(): void }[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

describe('models cache', () => {
  it('keeps entries per user and source in process, and forgets them on invalidate', async () => {
    const cache = createModelsCache({ ttlS: 60, redis: null, logger });
    await cache.set('u1', 'provider:openai', value);
    expect(await cache.get('u1', 'provider:openai')).toEqual(value);
    expect(await cache.get('u2', 'provider:openai')).toBeUndefined();
    await cache.invalidate('u1', ['provider:openai']);
    expect(await cache.get('u1', 'provider:openai')).toBeUndefined();
  });

  it('caches nothing with a TTL of 0', async () => {
    const cache = createModelsCache({ ttlS: 0, redis: null, logger });
    await cache.set('u1', 'provider:openai', value);
    expect(await cache.get('u1', 'provider:openai')).toBeUndefined();
  });

  it('degrades to the in-process copy when Redis is unreachable', async () => {
    const down = createRedis({ url: 'redis://127.0.0.1:1', prefix: 'nowhere:', logger });
    clients.push(down);
    const cache = createModelsCache({ ttlS: 60, redis: down, logger });
    await cache.set('u1', 'provider:openai', value);
    expect(await cache.get('u1', 'provider:openai')).toEqual(value);
    await cache.invalidate('u1', ['provider:openai']);
    expect(await cache.get('u1', 'provider:openai')).toBeUndefined();
    expect(logs.join('\n')).toContain('models cache: redis failed');
  });

  it.runIf(testEngine() === 'postgres' && process.env.TEST_REDIS_URL)(
    'shares entries and invalidations between instances through Redis',
    async () => {
      const url = process.env.TEST_REDIS_URL ?? '';
      const prefix = testRedisPrefix();
      const [ra, rb] = [createRedis({ url, prefix, logger }), createRedis({ url, prefix, logger })];
      clients.push(ra, rb);
      // Commands fail fast until connected (no offline queue): wait, so the test exercises Redis itself.
      await Promise.all(
        [ra, rb].map((r) => (r.status === 'ready' ? null : new Promise((ok) => r.once('ready', ok)))),
      );
      const a = createModelsCache({ ttlS: 60, redis: ra, logger });
      const b = createModelsCache({ ttlS: 60, redis: rb, logger });
      await a.set('u1', 'provider:openai', value);
      expect(await b.get('u1', 'provider:openai')).toEqual(value);
      await b.invalidate('u1', ['provider:openai']);
      // A's own in-process copy is not used while Redis answers, so A sees the invalidation too.
      expect(await a.get('u1', 'provider:openai')).toBeUndefined();
    },
  );
});
