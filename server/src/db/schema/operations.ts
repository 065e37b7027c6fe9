import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './accounts.js';
import { chats } from './chats.js';
import { createdAt, id, updatedAt } from './columns.js';
import { localEndpoints } from './providers.js';

/** One row per chat request (written off the hot path, in batches): the source of metrics and usage. */
export const requestLog = pgTable(
  'request_log',
  {
    id: id(),
    userId: uuid().references(() => users.id, { onDelete: 'set null' }),
    chatId: uuid(),
    messageId: uuid(),
    provider: text().notNull(),
    model: text().notNull(),
    localEndpointId: uuid().references(() => localEndpoints.id, { onDelete: 'set null' }),
    tokensIn: integer().notNull().default(0),
    tokensOut: integer().notNull().default(0),
    latencyMs: integer().notNull().default(0),
    ttftMs: integer(),
    cacheHit: boolean().notNull().default(false),
    status: text({ enum: ['ok', 'error', 'aborted'] }).notNull(),
    errorCode: text(),
    /** The personal API key's name when the request came through /openai/v1. */
    apiKeyName: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index('request_log_created_idx').on(t.createdAt),
    index('request_log_user_idx').on(t.userId, t.createdAt),
    index('request_log_endpoint_idx').on(t.localEndpointId, t.createdAt),
  ],
);

/**
 * Hourly aggregates of request_log per provider and model, kept by the telemetry flusher in the same
 * transaction as the raw rows: /v1/metrics reads these instead of scanning millions of rows.
 * `latency_hist` holds request counts per latency slot (features/telemetry/latency-histogram.ts: width_bucket slots).
 */
export const requestLogHourly = pgTable(
  'request_log_hourly',
  {
    bucket: timestamp({ withTimezone: true }).notNull(),
    provider: text().notNull(),
    model: text().notNull(),
    requests: integer().notNull().default(0),
    cacheHits: integer().notNull().default(0),
    errors: integer().notNull().default(0),
    tokensIn: bigint({ mode: 'number' }).notNull().default(0),
    tokensOut: bigint({ mode: 'number' }).notNull().default(0),
    latencySumMs: bigint({ mode: 'number' }).notNull().default(0),
    latencyMaxMs: integer().notNull().default(0),
    latencyHist: integer().array().notNull(),
  },
  (t) => [uniqueIndex('request_log_hourly_key').on(t.bucket, t.provider, t.model)],
);

/** Daily tokens and requests per user and model, for GET /v1/usage; kept like request_log_hourly. */
export const usageDaily = pgTable(
  'usage_daily',
  {
    day: date({ mode: 'string' }).notNull(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: text().notNull(),
    model: text().notNull(),
    requests: integer().notNull().default(0),
    tokensIn: bigint({ mode: 'number' }).notNull().default(0),
    tokensOut: bigint({ mode: 'number' }).notNull().default(0),
  },
  (t) => [uniqueIndex('usage_daily_key').on(t.userId, t.day, t.provider, t.model)],
);

/** The job queue: claimed with FOR UPDATE SKIP LOCKED, retried with backoff, reclaimed when a lock goes stale. */
export const jobs = pgTable(
  'jobs',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    jobType: text().notNull(),
    status: text({ enum: ['pending', 'processing', 'completed', 'failed', 'cancelled'] })
      .notNull()
      .default('pending'),
    inputData: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    outputData: jsonb().$type<Record<string, unknown>>(),
    errorLog: text(),
    attempts: integer().notNull().default(0),
    maxAttempts: integer().notNull().default(3),
    runAfter: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lockedBy: text(),
    lockedUntil: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('jobs_claim_idx').on(t.runAfter).where(sql`${t.status} in ('pending', 'processing')`),
    index('jobs_user_idx').on(t.userId, t.createdAt.desc()),
  ],
);

export const files = pgTable(
  'files',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    chatId: uuid().references(() => chats.id, { onDelete: 'set null' }),
    name: text().notNull(),
    path: text().notNull(),
    visibility: text({ enum: ['public', 'private'] }).notNull(),
    contentType: text().notNull(),
    size: bigint({ mode: 'number' }).notNull(),
    sha256: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('files_path_key').on(t.path), index('files_user_idx').on(t.userId, t.createdAt.desc())],
);

/** Running server processes: each beats every INSTANCE_HEARTBEAT_S; a silent one is dead and its answers are ended. */
export const instances = pgTable('instances', {
  id: uuid().primaryKey(),
  startedAt: createdAt(),
  heartbeatAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
