import { sql } from 'drizzle-orm';
import {
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
import { createdAt, id, updatedAt } from './columns.js';

/** A row of `users` (the users feature's repository owns its queries). */
export type UserRow = typeof users.$inferSelect;

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text().notNull(),
    passwordHash: text().notNull(),
    username: text(),
    fullName: text(),
    bio: text(),
    profession: text(),
    dateOfBirth: date({ mode: 'string' }),
    avatarUrl: text(),
    surveyCompleted: boolean().notNull().default(false),
    role: text({ enum: ['user', 'admin'] })
      .notNull()
      .default('user'),
    disabled: boolean().notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    uniqueIndex('users_username_key').on(sql`lower(${t.username})`),
  ],
);

/** One login: access tokens carry its id, refresh tokens rotate inside it. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userAgent: text(),
    ip: text(),
    createdAt: createdAt(),
    lastUsedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: id(),
    sessionId: uuid()
      .notNull()
      .references(() => authSessions.id, { onDelete: 'cascade' }),
    tokenHash: text().notNull(),
    createdAt: createdAt(),
    usedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash),
    index('refresh_tokens_session_idx').on(t.sessionId),
  ],
);

export const invites = pgTable('invites', {
  code: text().primaryKey(),
  createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
  maxUses: integer().notNull().default(1),
  uses: integer().notNull().default(0),
  expiresAt: timestamp({ withTimezone: true }),
  createdAt: createdAt(),
});

export const waitlist = pgTable(
  'waitlist',
  {
    id: id(),
    email: text().notNull(),
    name: text(),
    source: text(),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('waitlist_email_key').on(t.email)],
);

/** Who changed providers, endpoints, roles and invites, and when. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    actorId: uuid().references(() => users.id, { onDelete: 'set null' }),
    action: text().notNull(),
    targetType: text().notNull(),
    targetId: text(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_log_created_idx').on(t.createdAt),
    index('audit_log_actor_idx').on(t.actorId, t.id),
    index('audit_log_action_idx').on(t.action, t.id),
  ],
);

/** A row of `api_keys` (features/api-keys owns its queries). */
export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Personal API keys for the OpenAI-compatible API (/openai/v1); only the SHA-256 hash of a key is kept. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    keyHash: text().notNull(),
    prefix: text().notNull(),
    /** What the key may call: `chat`, `models`, `embeddings`. */
    scopes: text().array().notNull().default(sql`'{chat,models,embeddings}'::text[]`),
    expiresAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_hash_key').on(t.keyHash), index('api_keys_user_idx').on(t.userId)],
);
