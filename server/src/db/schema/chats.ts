import type { MessageMetadata } from '@pocketllm/contracts';
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './accounts.js';
import { createdAt, id, updatedAt } from './columns.js';
import { modelConfigs } from './providers.js';

export const chats = pgTable(
  'chats',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text(),
    modelConfigId: uuid().references(() => modelConfigs.id, { onDelete: 'set null' }),
    messageCount: integer().notNull().default(0),
    /** The chat's own system prompt, given to the model over its model configuration's; null: none of its own. */
    systemPrompt: text(),
    /** The leaf of the branch the chat shows (messages form a tree through parent_id); null when empty. */
    currentLeafId: uuid().references((): AnyPgColumn => messages.id, { onDelete: 'set null' }),
    /** Where an imported chat came from (e.g. `chatgpt:<conversation id>`): one import per source and user. */
    importSourceId: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // Keyset pagination of "newest activity first" reads this index only.
  (t) => [
    index('chats_user_activity_idx').on(t.userId, t.updatedAt.desc(), t.id.desc()),
    uniqueIndex('chats_import_source_idx')
      .on(t.userId, t.importSourceId)
      .where(sql`${t.importSourceId} is not null`),
  ],
);

/** Facts about an answer: provider, model, latency_ms, ttft_ms, tokens, cached, finish_reason, error, failover. */
export type { MessageMetadata };

/** A file attached to a message, as stored with it. */
export interface MessageAttachment {
  id: string;
  name: string;
  content_type: string;
  size: number;
}

/** A row of `messages`. */
export type MessageRow = typeof messages.$inferSelect;

export const messages = pgTable(
  'messages',
  {
    id: id(),
    chatId: uuid()
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The message this one follows (null for the first): a chat is a tree, each branch a path from the root. */
    parentId: uuid().references((): AnyPgColumn => messages.id, { onDelete: 'cascade' }),
    role: text({ enum: ['system', 'user', 'assistant'] }).notNull(),
    content: text().notNull().default(''),
    status: text({ enum: ['streaming', 'completed', 'failed', 'aborted'] })
      .notNull()
      .default('completed'),
    metadata: jsonb().$type<MessageMetadata>().notNull().default({}),
    rating: text({ enum: ['up', 'down'] }),
    pinned: boolean().notNull().default(false),
    /** The instance (instances.id) writing a 'streaming' answer; its sweep-mates end the answer if it dies. */
    writerId: uuid(),
    /** Files given to the model with this message: ids, names, types, sizes (see contracts). */
    attachments: jsonb().$type<MessageAttachment[]>().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('messages_chat_idx').on(t.chatId, t.createdAt, t.id),
    index('messages_pinned_idx').on(t.userId, t.createdAt.desc()).where(sql`${t.pinned}`),
    index('messages_streaming_idx').on(t.updatedAt).where(sql`${t.status} = 'streaming'`),
    // Full-text search: migration 0002 adds `content_tsv tsvector GENERATED ALWAYS AS
    // (to_tsvector('english', content)) STORED` and its GIN index messages_search_idx (since 0016 null while the
    // answer is streaming: partial saves do not recompute it, the last write does). They are left out of
    // this model on purpose: every select of messages would otherwise carry the vector; only
    // features/search reads it (raw SQL). A stored vector, unlike an expression index, spares re-parsing
    // each match's text for ranking and phrase rechecks (bench/src/search-metrics.bench.ts: a term in 5 k of a
    // user's 100 k messages among 1 M, p50 130 → 23 ms).
    index('messages_user_idx').on(t.userId),
    index('messages_parent_idx').on(t.parentId, t.createdAt, t.id),
  ],
);

export const templates = pgTable(
  'templates',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    description: text().notNull().default(''),
    content: text().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('templates_user_idx').on(t.userId, t.createdAt)],
);
