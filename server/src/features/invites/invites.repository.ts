import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { invites } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';

export type InviteRow = typeof invites.$inferSelect;

export const insertInvite = async (db: Db, values: typeof invites.$inferInsert) => {
  return returnedRow(await db.insert(invites).values(values).returning());
};

export const listInvites = (db: Db) => db.select().from(invites).orderBy(desc(invites.createdAt));

export const deleteInvite = async (db: Db, code: string) =>
  (await db.delete(invites).where(eq(invites.code, code)).returning({ code: invites.code })).length === 1;

/** Takes one use of a live invite atomically; false when it is unknown, used up or expired. */
export const consumeInvite = async (db: Db, code: string) =>
  (
    await db
      .update(invites)
      .set({ uses: sql`${invites.uses} + 1` })
      .where(
        and(
          eq(invites.code, code),
          lt(invites.uses, invites.maxUses),
          or(isNull(invites.expiresAt), gt(invites.expiresAt, new Date())),
        ),
      )
      .returning({ code: invites.code })
  ).length === 1;
