import { desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { waitlist } from '../../db/schema/index.js';

export type WaitlistRow = typeof waitlist.$inferSelect;

/** Inserts unless the email is already listed; undefined then (the unique index decides, race-free). */
export const insertIfNew = async (db: Db, values: typeof waitlist.$inferInsert) =>
  (await db.insert(waitlist).values(values).onConflictDoNothing({ target: waitlist.email }).returning())[0];

export const findByEmail = async (db: Db, email: string) =>
  (await db.select().from(waitlist).where(eq(waitlist.email, email)).limit(1))[0];

/** Newest first; ids are UUIDv7 (time-ordered), so the id alone is the keyset. */
export const list = (db: Db, limit: number, beforeId?: string) =>
  db
    .select()
    .from(waitlist)
    .where(beforeId ? lt(waitlist.id, beforeId) : undefined)
    .orderBy(desc(waitlist.id))
    .limit(limit);
