import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  type ChatShareRow,
  chatShares,
  type MessageRow,
  messages,
  type ShareSnapshot,
} from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';

/**
 * A chat's messages oldest first: what a chat without a current leaf shows (one branch, in time order,
 * as before messages formed a tree).
 */
export const messagesInOrder = (db: Db, chatId: string): Promise<MessageRow[]> =>
  db
    .select()
    .from(messages)
    .where(eq(messages.chatId, chatId))
    .orderBy(asc(messages.createdAt), asc(messages.id));

/** Makes the chat's one share link, replacing an earlier one (whose token then stops working). */
export async function upsertShare(
  db: Db,
  row: { chatId: string; userId: string; tokenHash: string; snapshot: ShareSnapshot; expiresAt: Date | null },
): Promise<ChatShareRow> {
  const rows = await db
    .insert(chatShares)
    .values(row)
    .onConflictDoUpdate({
      target: chatShares.chatId,
      set: {
        tokenHash: row.tokenHash,
        snapshot: row.snapshot,
        expiresAt: row.expiresAt,
        createdAt: sql`now()`,
      },
    })
    .returning();
  return returnedRow(rows, 'upsert into chat_shares');
}

/** A live share by its token's hash: unknown and expired ones are both absent. */
export const findLiveShare = async (db: Db, tokenHash: string): Promise<ChatShareRow | undefined> =>
  (
    await db
      .select()
      .from(chatShares)
      .where(
        and(
          eq(chatShares.tokenHash, tokenHash),
          sql`(${chatShares.expiresAt} is null or ${chatShares.expiresAt} > now())`,
        ),
      )
      .limit(1)
  )[0];

export const findShareOfChat = async (db: Db, userId: string, chatId: string) =>
  (
    await db
      .select({ expiresAt: chatShares.expiresAt, createdAt: chatShares.createdAt })
      .from(chatShares)
      .where(
        and(
          eq(chatShares.chatId, chatId),
          eq(chatShares.userId, userId),
          sql`(${chatShares.expiresAt} is null or ${chatShares.expiresAt} > now())`,
        ),
      )
      .limit(1)
  )[0];

/** Revokes the chat's share link; false when it had none. */
export const deleteShare = async (db: Db, userId: string, chatId: string): Promise<boolean> =>
  (
    await db
      .delete(chatShares)
      .where(and(eq(chatShares.chatId, chatId), eq(chatShares.userId, userId)))
      .returning({ id: chatShares.id })
  ).length > 0;
