import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp } from '../../src/app.js';
import { type Config, type Env, loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { createRedis, waitForRedis } from '../../src/lib/redis.js';
import { createLogger } from '../../src/plugins/logger.js';
import { createTestDatabase, testEngine, testRedisPrefix } from './test-db.js';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  database: Database;
  redis: Redis | null;
  /** Every log line the app wrote, as text (for "no secret in the logs" checks). */
  logs: string[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Env;
  /** Reuse a database (e.g. to restart the app over the same data). */
  database?: Database;
  /** Start background work (job workers, schedulers) as main.ts does. */
  startLifecycle?: boolean;
  /** Use this Redis (e.g. one the test stops and restarts) instead of the run's TEST_REDIS_URL. */
  redisUrl?: string;
  /** Share a key prefix (and so the event bus) with another app of the test. */
  redisPrefix?: string;
}

/**
 * The real app on a fresh migrated database (PGlite, or PostgreSQL + Redis in the server-pg project),
 * driven with `app.inject`. Secrets are fixed test values; invites are off unless `env` turns them on.
 */
export async function buildTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-app-'));
  const { config } = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    MODELS_DIR: path.join(dataDir, 'models'),
    JWT_SECRET: 'test-jwt-secret-that-is-long-enough-0123456789',
    ENCRYPTION_KEY: 'test-encryption-key-that-is-long-enough-0123',
    INVITE_REQUIRED: 'false',
    LOG_LEVEL: 'info',
    LLAMA_THREADS: '1',
    RATE_LIMIT_AUTH_PER_MIN: '10000',
    RATE_LIMIT_WAITLIST_PER_MIN: '10000',
    RATE_LIMIT_CHAT_PER_MIN: '10000',
    RATE_LIMIT_HEALTH_CHECK_PER_MIN: '10000',
    ...opts.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const database = opts.database ?? (await createTestDatabase());
  const redisUrl = opts.redisUrl ?? (testEngine() === 'postgres' ? process.env.TEST_REDIS_URL : undefined);
  const redis = redisUrl
    ? createRedis({ url: redisUrl, prefix: opts.redisPrefix ?? testRedisPrefix(), logger })
    : null;
  if (redis) await waitForRedis(redis);
  const app = await buildApp(config, { database, logger, redis });
  app.ctx.state.ready = true;
  // Events from other apps of the test cross Redis only once the bus has subscribed (bounded, like main's wait).
  for (let i = 0; redis && i < 150 && !app.ctx.bus.status().subscribed; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  if (opts.startLifecycle) await app.ctx.lifecycle.start();
  await app.ready();
  return {
    app,
    config,
    database,
    redis,
    logs,
    async close() {
      await app.close();
      // TEST_LOG_FILE collects every app's log lines of a run, to grep them for secrets afterwards.
      if (process.env.TEST_LOG_FILE) appendFileSync(process.env.TEST_LOG_FILE, logs.join(''));
      redis?.disconnect();
      if (!opts.database) await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Parses a JSON response body with a useful failure message. */
export function json<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  try {
    return JSON.parse(res.body) as T;
  } catch {
    throw new Error(`expected JSON, got ${res.statusCode}: ${res.body.slice(0, 200)}`);
  }
}
