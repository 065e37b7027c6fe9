import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { perDb } from '../../db/prepared.js';
import type { MessageRow } from '../../db/schema/index.js';
import { chats, messages } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';
import { finishAnswer } from './send.repository.js';

export type ChatRow = typeof chats.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;

// The chat list never reads message bodies: every column here lives in the chats row.
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
  values: { userId: string; title: string | null; modelConfigId: string | null },
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

// The chat list, prepared once per database. Its ORDER BY must say NULLS LAST like chats_user_activity_idx:
// a plain DESC means NULLS FIRST, which the index cannot give, and the planner then sorts every chat of the
// user. The keyset is a row comparison, so the index scan starts right after the cursor.
// `cursorAt` is updated_at to the microsecond: a JS Date keeps milliseconds, and a cursor rounded to them
// would skip chats whose activity fell within the same millisecond.
const listColumns = {
  ...summaryColumns,
  cursorAt: sql<string>`to_char(${chats.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
};
function prepareList(db: Db) {
  const order = [sql`${chats.updatedAt} desc nulls last`, sql`${chats.id} desc nulls last`];
  const first = db
    .select(listColumns)
    .from(chats)
    .where(eq(chats.userId, sql.placeholder('userId')))
    .orderBy(...order)
    .limit(sql.placeholder('limit'))
    .prepare('list_chats');
  const after = db
    .select(listColumns)
    .from(chats)
    .where(
      and(
        eq(chats.userId, sql.placeholder('userId')),
        sql`(${chats.updatedAt}, ${chats.id}) < (${sql.placeholder('updatedAt')}::timestamptz, ${sql.placeholder('id')}::uuid)`,
      ),
    )
    .orderBy(...order)
    .limit(sql.placeholder('limit'))
    .prepare('list_chats_after');
  return { first, after };
}
const listStatements = perDb(prepareList);

/** Newest activity first; keyset on (updated_at, id) so deep pages cost the same as the first. */
export function listChats(db: Db, userId: string, limit: number, after?: { updatedAt: string; id: string }) {
  const s = listStatements(db);
  return after
    ? s.after.execute({ userId, limit: limit + 1, updatedAt: after.updatedAt, id: after.id })
    : s.first.execute({ userId, limit: limit + 1 });
}

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

export const deleteChat = async (db: Db, userId: string, chatId: string) =>
  (
    await db
      .delete(chats)
      .where(and(eq(chats.id, chatId), eq(chats.userId, userId)))
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
