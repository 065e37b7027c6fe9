import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { providerCredentials } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';

export type CredentialRow = typeof providerCredentials.$inferSelect;
export type CredentialInsert = typeof providerCredentials.$inferInsert;

export const listCredentials = (db: Db, userId: string) =>
  db.select().from(providerCredentials).where(eq(providerCredentials.userId, userId));

export const findCredential = async (db: Db, userId: string, provider: string) =>
  (
    await db
      .select()
      .from(providerCredentials)
      .where(and(eq(providerCredentials.userId, userId), eq(providerCredentials.provider, provider)))
      .limit(1)
  )[0];

/** Insert or replace the user's credential for one provider (one row per user and provider). */
export async function upsertCredential(db: Db, values: CredentialInsert): Promise<CredentialRow> {
  return returnedRow(
    await db
      .insert(providerCredentials)
      .values(values)
      .onConflictDoUpdate({
        target: [providerCredentials.userId, providerCredentials.provider],
        set: {
          apiKeyEnc: values.apiKeyEnc ?? null,
          keyId: values.keyId ?? null,
          apiKeyPreview: values.apiKeyPreview ?? null,
          baseUrl: values.baseUrl ?? null,
          metadata: values.metadata ?? {},
          isActive: values.isActive ?? true,
          updatedAt: new Date(),
        },
      })
      .returning(),
    'upsert',
  );
}

export async function updateCredential(
  db: Db,
  id: string,
  set: Partial<
    Pick<CredentialRow, 'apiKeyEnc' | 'keyId' | 'apiKeyPreview' | 'baseUrl' | 'metadata' | 'isActive'>
  >,
): Promise<CredentialRow> {
  return returnedRow(
    await db
      .update(providerCredentials)
      .set({ ...set, updatedAt: new Date() })
      .where(eq(providerCredentials.id, id))
      .returning(),
    'update',
  );
}

export const deleteCredential = async (db: Db, userId: string, provider: string) =>
  (
    await db
      .delete(providerCredentials)
      .where(and(eq(providerCredentials.userId, userId), eq(providerCredentials.provider, provider)))
      .returning({ id: providerCredentials.id })
  )[0];
