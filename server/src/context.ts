import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Database, Db } from './db/client.js';
import type { EventBus } from './lib/event-bus.js';
import type { Lifecycle } from './lib/lifecycle.js';
import type { RateLimiter } from './lib/rate-limiter.js';
import type { Services } from './services.js';

/** What buildApp needs from outside: main.ts makes the real ones, tests make their own. */
export interface AppDeps {
  database: Database;
  logger: Logger;
  /** Present when REDIS_URL is set. */
  redis?: Redis | null;
  bus?: EventBus;
}

/** Everything a feature's routes receive. */
export interface AppContext {
  config: Config;
  db: Db;
  database: Database;
  redis: Redis | null;
  bus: EventBus;
  logger: Logger;
  services: Services;
  lifecycle: Lifecycle;
  /** Per-route request limits (plugins/rate-limit.ts), in Redis when it is up. */
  rateLimiter: RateLimiter;
  state: { ready: boolean; startedAt: number };
}
