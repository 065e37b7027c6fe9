import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './accounts.js';
import { createdAt, id, updatedAt } from './columns.js';

/** A user's key and settings for one cloud provider. The key is AES-256-GCM sealed; `keyId` names the key that sealed it. */
export const providerCredentials = pgTable(
  'provider_credentials',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: text().notNull(),
    apiKeyEnc: text(),
    keyId: text(),
    apiKeyPreview: text(),
    baseUrl: text(),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    isActive: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('provider_credentials_user_provider_key').on(t.userId, t.provider)],
);

/** A user's own Ollama / OpenAI-compatible server. */
export const localEndpoints = pgTable(
  'local_endpoints',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    baseUrl: text().notNull(),
    apiKeyEnc: text(),
    keyId: text(),
    apiKeyPreview: text(),
    endpointType: text({ enum: ['ollama', 'openai-compatible', 'custom'] }).notNull(),
    isActive: boolean().notNull().default(true),
    availableModels: jsonb().$type<string[]>().notNull().default([]),
    lastModelDiscovery: timestamp({ withTimezone: true }),
    healthStatus: text({ enum: ['healthy', 'unhealthy', 'unknown'] })
      .notNull()
      .default('unknown'),
    lastHealthCheck: timestamp({ withTimezone: true }),
    responseTimeMs: integer(),
    errorMessage: text(),
    consecutiveFailures: integer().notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('local_endpoints_user_idx').on(t.userId), index('local_endpoints_active_idx').on(t.isActive)],
);

export const healthChecks = pgTable(
  'health_checks',
  {
    id: id(),
    endpointId: uuid()
      .notNull()
      .references(() => localEndpoints.id, { onDelete: 'cascade' }),
    status: text({ enum: ['healthy', 'unhealthy'] }).notNull(),
    responseTimeMs: integer(),
    errorMessage: text(),
    checkedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('health_checks_endpoint_idx').on(t.endpointId, t.checkedAt.desc())],
);

export const modelConfigs = pgTable(
  'model_configs',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    provider: text().notNull(),
    localEndpointId: uuid().references(() => localEndpoints.id, { onDelete: 'set null' }),
    baseUrl: text(),
    apiKeyEnc: text(),
    keyId: text(),
    apiKeyPreview: text(),
    model: text().notNull(),
    systemPrompt: text(),
    temperature: real().notNull().default(0.7),
    maxTokens: integer().notNull().default(2048),
    topP: real().notNull().default(1),
    frequencyPenalty: real().notNull().default(0),
    presencePenalty: real().notNull().default(0),
    isDefault: boolean().notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('model_configs_user_idx').on(t.userId, t.createdAt),
    uniqueIndex('model_configs_one_default_key').on(t.userId).where(sql`${t.isDefault}`),
  ],
);
