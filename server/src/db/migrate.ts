import path from 'node:path';
import { SERVER_ROOT } from '../lib/package-root.js';
import type { Database } from './client.js';

/** The SQL migrations live beside the sources; dist/ reads the same folder. */
export const migrationsFolder = path.join(SERVER_ROOT, 'src/db/migrations');

// Any fixed number: every instance takes the same advisory lock before migrating.
const MIGRATION_LOCK_ID = 724_115_001;

/** Applies pending migrations under a Postgres advisory lock, so instances starting together are safe. */
export async function runMigrations(database: Database): Promise<void> {
  await database.withConnection(async (query) => {
    await query(`select pg_advisory_lock(${MIGRATION_LOCK_ID})`);
    try {
      await database.migrate(migrationsFolder);
    } finally {
      await query(`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`);
    }
  });
}
