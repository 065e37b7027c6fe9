import type { FastifyBaseLogger as Logger } from 'fastify';
import { Redis } from 'ioredis';

export interface RedisOptions {
  url: string;
  prefix: string;
  logger: Logger;
}

/**
 * A Redis client that never takes the process down: commands fail fast while Redis is away
 * (callers degrade, e.g. the cache counts a miss) and the client reconnects in the background.
 */
export function createRedis({ url, prefix, logger }: RedisOptions): Redis {
  const client = new Redis(url, {
    keyPrefix: prefix,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // Commands issued in the same tick go out in one write (one syscall, one reply read) instead of one each:
    // a send's answer end and its user event, the many answers of a busy instance.
    enableAutoPipelining: true,
  });
  let down = false;
  client.on('error', (err) => {
    if (!down)
      logger.warn({ err: { message: err.message } }, 'redis unavailable; degrading until it returns');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info('redis reconnected');
    down = false;
  });
  return client;
}

/**
 * Waits (bounded) for the first connection, so requests right after start are not all treated as "Redis
 * down" (commands fail fast while it is connecting). Resolves false when Redis did not answer in time;
 * the app then starts degraded and the client keeps reconnecting.
 */
export function waitForRedis(client: Redis, timeoutMs = 3000): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once('ready', onReady);
  });
}
