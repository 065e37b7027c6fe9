import { and, desc, eq, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { localEndpoints, modelConfigs } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';

export type ModelConfigRow = typeof modelConfigs.$inferSelect;
export type ModelConfigInsert = typeof modelConfigs.$inferInsert;
export type ModelConfigSet = Partial<Omit<ModelConfigInsert, 'id' | 'userId' | 'createdAt' | 'updatedAt'>>;
export type LocalEndpointRow = typeof localEndpoints.$inferSelect;

const mine = (userId: string, id: string) => and(eq(modelConfigs.id, id), eq(modelConfigs.userId, userId));

export const findConfig = async (db: Db, userId: string, id: string) =>
  (await db.select().from(modelConfigs).where(mine(userId, id)).limit(1))[0];

export const findDefault = async (db: Db, userId: string) =>
  (
    await db
      .select()
      .from(modelConfigs)
      .where(and(eq(modelConfigs.userId, userId), eq(modelConfigs.isDefault, true)))
      .limit(1)
  )[0];

/** Newest first. Ids are UUIDv7 (creation-ordered), so the id alone is an exact keyset. */
export const listConfigs = (db: Db, userId: string, limit: number, beforeId?: string) =>
  db
    .select()
    .from(modelConfigs)
    .where(and(eq(modelConfigs.userId, userId), beforeId ? lt(modelConfigs.id, beforeId) : undefined))
    .orderBy(desc(modelConfigs.id))
    .limit(limit);

export async function insertConfig(db: Db, values: ModelConfigInsert): Promise<ModelConfigRow> {
  return returnedRow(await db.insert(modelConfigs).values(values).returning());
}

export const updateConfig = async (db: Db, userId: string, id: string, set: ModelConfigSet) =>
  (
    await db
      .update(modelConfigs)
      .set({ ...set, updatedAt: new Date() })
      .where(mine(userId, id))
      .returning()
  )[0];

export const deleteConfig = async (db: Db, userId: string, id: string) =>
  (await db.delete(modelConfigs).where(mine(userId, id)).returning({ id: modelConfigs.id }))[0];

/**
 * Serialises default changes of one user until the transaction ends (concurrent "make default" requests
 * would otherwise both clear, then both set, and one would hit the partial unique index).
 */
export async function lockDefaults(db: Db, userId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`model-config-default:${userId}`}))`);
}

/** Clears the user's default except `keepId`; run in the same transaction that sets the new one. */
export const clearDefaults = (db: Db, userId: string, keepId?: string) =>
  db
    .update(modelConfigs)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(
      and(
        eq(modelConfigs.userId, userId),
        eq(modelConfigs.isDefault, true),
        keepId ? ne(modelConfigs.id, keepId) : undefined,
      ),
    );

/** The caller's own local endpoint (another user's is "not found"). */
export const findLocalEndpoint = async (db: Db, userId: string, id: string) =>
  (
    await db
      .select()
      .from(localEndpoints)
      .where(and(eq(localEndpoints.id, id), eq(localEndpoints.userId, userId)))
      .limit(1)
  )[0];
