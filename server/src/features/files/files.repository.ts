import { and, desc, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { files } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';

export type FileRow = typeof files.$inferSelect;
export type NewFile = typeof files.$inferInsert;

/** Inserts, or replaces the row already at the same storage path (an avatar, a retried image). */
export async function upsertFile(db: Db, row: NewFile): Promise<FileRow> {
  return returnedRow(
    await db
      .insert(files)
      .values(row)
      .onConflictDoUpdate({
        target: files.path,
        set: {
          name: row.name,
          contentType: row.contentType,
          size: row.size,
          sha256: row.sha256,
          chatId: row.chatId ?? null,
          visibility: row.visibility,
          createdAt: sql`now()`,
        },
      })
      .returning(),
    'upsert into files',
  );
}

export const pathTaken = async (db: Db, path: string): Promise<boolean> =>
  (await db.select({ id: files.id }).from(files).where(eq(files.path, path)).limit(1)).length > 0;

/** Any user's file: for signed-URL and public access, which are checked by the caller. */
export const findFileById = async (db: Db, id: string): Promise<FileRow | undefined> =>
  (await db.select().from(files).where(eq(files.id, id)).limit(1))[0];

export const findFileByPath = async (db: Db, path: string): Promise<FileRow | undefined> =>
  (await db.select().from(files).where(eq(files.path, path)).limit(1))[0];

export async function listFiles(
  db: Db,
  userId: string,
  opts: { limit: number; chatId?: string; beforeId?: string },
): Promise<FileRow[]> {
  const conds: SQL[] = [eq(files.userId, userId)];
  if (opts.chatId) conds.push(eq(files.chatId, opts.chatId));
  // Ids are UUIDv7: id order is creation order.
  if (opts.beforeId) conds.push(lt(files.id, opts.beforeId));
  return db
    .select()
    .from(files)
    .where(and(...conds))
    .orderBy(desc(files.id))
    .limit(opts.limit + 1);
}

export async function deleteFile(db: Db, userId: string, id: string): Promise<FileRow | undefined> {
  const [row] = await db
    .delete(files)
    .where(and(eq(files.id, id), eq(files.userId, userId)))
    .returning();
  return row;
}

export async function deleteFilesOfUser(db: Db, userId: string): Promise<void> {
  await db.delete(files).where(eq(files.userId, userId));
}

/** The user's files among `ids` (another user's are simply not found). */
export const findOwnedFiles = async (db: Db, userId: string, ids: string[]): Promise<FileRow[]> =>
  ids.length
    ? db
        .select()
        .from(files)
        .where(and(eq(files.userId, userId), inArray(files.id, ids)))
    : [];
