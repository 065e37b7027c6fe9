import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { MessageRow } from '../../db/schema/index.js';
import { chats, messages } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';
import { finishAnswer } from './send.repository.js';

export type ChatRow = typeof chats.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;

// A chat as the API summarises it: every column here lives in the chats row.
const summaryColumns = {
  id: chats.id,
  title: chats.title,
  modelConfigId: chats.modelConfigId,
  systemPrompt: chats.systemPrompt,
  messageCount: chats.messageCount,
  createdAt: chats.createdAt,
  updatedAt: chats.updatedAt,
};
export type ChatSummaryRow = Pick<ChatRow, keyof typeof summaryColumns>;

export const insertChat = async (
  db: Db,
  values: { id?: string; userId: string; title: string | null; modelConfigId: string | null },
) => {
  return returnedRow(await db.insert(chats).values(values).returning(summaryColumns));
};

/** Whether `chatId` is one of `userId`'s chats (another user's is simply not theirs). */
export const chatBelongsTo = async (db: Db, userId: string, chatId: string): Promise<boolean> =>
  (
    await db
      .select({ id: chats.id })
      .from(chats)
      .where(and(eq(chats.id, chatId), eq(chats.userId, userId)))
      .limit(1)
  ).length > 0;

export const findChat = async (db: Db, userId: string, chatId: string) =>
  (
    await db
      .select()
      .from(chats)
      .where(and(eq(chats.id, chatId), eq(chats.userId, userId)))
      .limit(1)
  )[0];

// The chat list and opening a chat are reads.repository.ts (the database answers them as the API's JSON).

export const updateChat = async (
  db: Db,
  userId: string,
  chatId: string,
  values: Partial<Pick<ChatRow, 'title' | 'modelConfigId' | 'systemPrompt'>>,
) =>
  (
    await db
      .update(chats)
      .set(values)
      .where(and(eq(chats.id, chatId), eq(chats.userId, userId)))
      .returning(summaryColumns)
  )[0];

/**
 * Deletes the chat (its messages by cascade), locking its messages first: a statement writing messages locks them,
 * then the chat's row (migration 0017's triggers), so a delete that locked the chat first and then waited for a
 * message (the cascade) could deadlock with a running answer's save. The lock is an InitPlan, taken before the
 * chat row is read.
 */
export const deleteChat = async (db: Db, userId: string, chatId: string) =>
  (
    await db
      .delete(chats)
      .where(
        and(
          eq(chats.id, chatId),
          eq(chats.userId, userId),
          sql`(select count(*) from (select 1 from ${messages} m
                where m.chat_id = ${chatId} and m.user_id = ${userId} for update) l) >= 0`,
        ),
      )
      .returning({ id: chats.id })
  ).length === 1;

export const findMessage = async (db: Db, userId: string, messageId: string) =>
  (
    await db
      .select()
      .from(messages)
      .where(and(eq(messages.id, messageId), eq(messages.userId, userId)))
      .limit(1)
  )[0];

export const updateMessage = async (
  db: Db,
  messageId: string,
  values: Partial<Pick<MessageRow, 'content' | 'status' | 'metadata'>>,
) => {
  const { content, status, metadata } = values;
  // Every answer ends with this write: it goes through the prepared statement.
  if (content !== undefined && status !== undefined && metadata !== undefined) {
    return finishAnswer(db, messageId, { content, status, metadata });
  }
  return (await db.update(messages).set(values).where(eq(messages.id, messageId)).returning())[0];
};
