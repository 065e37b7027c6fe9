import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, fromPglite } from '../../src/db/client.js';
import { fromPool } from '../../src/db/postgres.js';

/** Which engine this test project runs on: PGlite by default, PostgreSQL in the "server-pg" project. */
export const testEngine = (): 'pglite' | 'postgres' =>
  process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'pglite';

/** A fresh, migrated database for one test file (a copy of the migrated snapshot or template). */
export async function createTestDatabase(): Promise<Database> {
  if (testEngine() === 'pglite') {
    const snapshot = readFileSync(inject('pgliteSnapshot'));
    const client = await PGlite.create({ loadDataDir: new Blob([snapshot]) });
    return fromPglite(client);
  }
  const pool = new pg.Pool({ connectionString: await createTestDatabaseUrl(), max: 10 });
  pool.on('error', () => {});
  return fromPool(pool);
}

/** A fresh migrated PostgreSQL database (a template clone, dropped at the end of the run); its URL. */
export async function createTestDatabaseUrl(): Promise<string> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is required for the postgres test project');
  const name = `${inject('pgTemplate')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${inject('pgTemplate')}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A Redis key prefix of its own for this test file, when the run has Redis. */
export function testRedisPrefix(): string {
  return `pocketllm-test:${inject('runId')}:${randomBytes(4).toString('hex')}:`;
}
