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
