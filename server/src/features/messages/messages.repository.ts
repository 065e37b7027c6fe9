import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { MessageRow } from '../../db/schema/index.js';
import { chats, messages } from '../../db/schema/index.js';

/** The caller's message, or undefined (another user's message is as absent as a missing one). */
export const findOwnMessage = async (db: Db, userId: string, id: string): Promise<MessageRow | undefined> =>
  (
    await db
      .select()
      .from(messages)
      .where(and(eq(messages.id, id), eq(messages.userId, userId)))
      .limit(1)
  )[0];

export const setRating = async (db: Db, userId: string, id: string, rating: 'up' | 'down' | null) =>
  (
    await db
      .update(messages)
      .set({ rating })
      .where(and(eq(messages.id, id), eq(messages.userId, userId)))
      .returning()
  )[0];

/** `pinned` undefined flips the stored value in one statement, so two quick toggles never race. */
export const setPinned = async (db: Db, userId: string, id: string, pinned: boolean | undefined) =>
  (
    await db
      .update(messages)
      .set({ pinned: pinned ?? sql`not ${messages.pinned}` })
      .where(and(eq(messages.id, id), eq(messages.userId, userId)))
      .returning()
  )[0];

/** Keyset position: created_at in epoch microseconds (a JS Date would drop the microseconds) and id. */
export interface PinnedCursor {
  createdAtUs: number;
  id: string;
}

const createdAtUs = sql<string>`(extract(epoch from ${messages.createdAt}) * 1000000)::bigint`;

/** Newest first over the partial index messages_pinned_idx (user_id, created_at desc) where pinned. */
export const listPinned = (db: Db, userId: string, limit: number, after?: PinnedCursor) =>
  db
    .select({ row: messages, createdAtUs, chatTitle: chats.title })
    .from(messages)
    .innerJoin(chats, eq(chats.id, messages.chatId))
    .where(
      and(
        eq(messages.userId, userId),
        eq(messages.pinned, true),
        after
          ? sql`(${messages.createdAt}, ${messages.id}) < (timestamptz 'epoch' + ${after.createdAtUs} * interval '1 microsecond', ${after.id})`
          : undefined,
      ),
    )
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(limit);
