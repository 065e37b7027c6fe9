import { jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts.js';
import { chats } from './chats.js';
import { createdAt, id } from './columns.js';

/** What a share link shows, frozen when it was made: nothing else of the chat or its owner. */
export interface ShareSnapshot {
  title: string | null;
  messages: { role: 'system' | 'user' | 'assistant'; content: string; created_at: string }[];
  models: string[];
}

/** A chat's share link (one per chat). Only the token's SHA-256 is kept; the token is shown once. */
export const chatShares = pgTable(
  'chat_shares',
  {
    id: id(),
    chatId: uuid()
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text().notNull(),
    snapshot: jsonb().$type<ShareSnapshot>().notNull(),
    expiresAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('chat_shares_token_idx').on(t.tokenHash),
    uniqueIndex('chat_shares_chat_idx').on(t.chatId),
  ],
);

export type ChatShareRow = typeof chatShares.$inferSelect;
