import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
    createdAt: createdAt(),
  },
  (t) => [
    index('request_log_created_idx').on(t.createdAt),
    index('request_log_user_idx').on(t.userId, t.createdAt),
    index('request_log_endpoint_idx').on(t.localEndpointId, t.createdAt),
  ],
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
