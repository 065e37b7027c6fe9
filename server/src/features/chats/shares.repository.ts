import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { type ChatShareRow, chatShares, type ShareSnapshot } from '../../db/schema/index.js';
import { returnedRow, sqlRows } from '../../lib/sql-rows.js';

const pathRow = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  status: z.string(),
  model: z.string().nullable(),
  created_at: z.union([z.string(), z.date()]),
});
export type PathMessage = z.infer<typeof pathRow>;

/**
 * The messages from the root to `leafId`, root first: the chain of parent_id links up from the leaf, in one
 * recursive query (only the columns a share shows). `depth` guards against a cycle a bad row could make.
 */
export async function pathToLeaf(db: Db, chatId: string, leafId: string): Promise<PathMessage[]> {
  const result = await db.execute(sql`
    with recursive path as (
      select id, parent_id, 0 as depth from messages where id = ${leafId} and chat_id = ${chatId}
      union all
      select m.id, m.parent_id, p.depth + 1 from messages m
        join path p on m.id = p.parent_id
        where m.chat_id = ${chatId} and p.depth < 100000
    )
    select m.role, m.content, m.status, m.metadata ->> 'model' as model,
           to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at
      from path p join messages m on m.id = p.id
      order by p.depth desc`);
  return sqlRows(result, pathRow);
}

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
