import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { type ApiKeyRow, apiKeys, users } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';

export type { ApiKeyRow };

/** A key as the gateway checks it: the key's row and its owner's role and state. */
export interface KeyOwner {
  id: string;
  userId: string;
  name: string;
  scopes: string[];
  expiresAt: Date | null;
  role: 'user' | 'admin';
  disabled: boolean;
}

export const insertApiKey = async (
  db: Db,
  fields: {
    userId: string;
    name: string;
    keyHash: string;
    prefix: string;
    scopes: string[];
    expiresAt: Date | null;
  },
): Promise<ApiKeyRow> => returnedRow(await db.insert(apiKeys).values(fields).returning());

export const listApiKeys = (db: Db, userId: string): Promise<ApiKeyRow[]> =>
  db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));

/** Deletes the caller's key; false when it is not theirs (or not there). */
export const deleteApiKey = async (db: Db, userId: string, id: string): Promise<ApiKeyRow | undefined> =>
  (
    await db
      .delete(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)))
      .returning()
  )[0];

/** The live key with this hash and its owner, in one indexed join. */
export const findKeyByHash = async (db: Db, keyHash: string): Promise<KeyOwner | undefined> =>
  (
    await db
      .select({
        id: apiKeys.id,
        userId: apiKeys.userId,
        name: apiKeys.name,
        scopes: apiKeys.scopes,
        expiresAt: apiKeys.expiresAt,
        role: users.role,
        disabled: users.disabled,
      })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
      .limit(1)
  )[0];

/** Stamps `last_used_at` on the keys used since the last write (one statement per batch). */
export const touchApiKeys = async (db: Db, ids: string[], at: Date): Promise<void> => {
  if (ids.length === 0) return;
  await db.update(apiKeys).set({ lastUsedAt: at }).where(inArray(apiKeys.id, ids));
};
