import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { SERVER_ROOT } from '../lib/package-root.js';
import type { Database } from './client.js';

/** The SQL migrations live beside the sources; dist/ reads the same folder. */
export const migrationsFolder = path.join(SERVER_ROOT, 'src/db/migrations');

// Any fixed number: every instance takes the same advisory lock before migrating.
const MIGRATION_LOCK_ID = 724_115_001;

/** The newest migration's timestamp in the journal: Drizzle records it as `created_at` once applied. */
function newestInJournal(folder: string): number {
  const journal = JSON.parse(readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number }[];
  };
  return Math.max(0, ...journal.entries.map((e) => e.when));
}

/**
 * Drizzle's own test (it applies every migration newer than the newest row), on one read: a restart of an
 * up-to-date installation then neither takes the lock nor reads and hashes every migration file. A database
 * without the table (new, or not ours) answers an error here and goes the full way.
 */
async function isUpToDate(database: Database, folder: string): Promise<boolean> {
  try {
    const res = (await database.db.execute(
      sql`select max(created_at) as last from drizzle.__drizzle_migrations`,
    )) as unknown as { rows: { last: string | number | null }[] };
    const last = res.rows[0]?.last;
    return last !== null && last !== undefined && Number(last) >= newestInJournal(folder);
  } catch {
    return false;
  }
}

/** Applies pending migrations under a Postgres advisory lock, so instances starting together are safe. */
export async function runMigrations(database: Database): Promise<void> {
  if (await isUpToDate(database, migrationsFolder)) return;
  await database.withConnection(async (query) => {
    await query(`select pg_advisory_lock(${MIGRATION_LOCK_ID})`);
    try {
      await database.migrate(migrationsFolder);
    } finally {
      await query(`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`);
    }
  });
}
