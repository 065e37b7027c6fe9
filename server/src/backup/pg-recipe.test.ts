import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { z } from 'zod';
import { type FakeServer, startFakeOpenAI } from '../../test/fakes/index.js';
import { expectInstallation, seedInstallation } from '../../test/helpers/backup-scenario.js';
import { buildTestApp, type TestApp } from '../../test/helpers/build-test-app.js';
import { testEngine } from '../../test/helpers/test-db.js';
import { fromPool } from '../db/postgres.js';
import { sqlRows } from '../lib/sql-rows.js';

// The README's PostgreSQL recipe, run as written: pg_dump + a tar of DATA_DIR/files, then into an empty
// database and an empty DATA_DIR with pg_restore + tar.
const runs =
  testEngine() === 'postgres' && existsSync('/usr/bin/pg_dump') && Boolean(process.env.TEST_DATABASE_URL);

let fake: FakeServer;
let t: TestApp;
const work = mkdtempSync(path.join(tmpdir(), 'pocketllm-pgdump-'));
const urlOf = (db: string) => {
  const u = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://127.0.0.1/test');
  u.pathname = `/${db}`;
  return u.toString();
};
const emptyDb = `pocketllm_restore_${Date.now().toString(36)}`;

beforeAll(async () => {
  if (!runs) return;
  fake = await startFakeOpenAI({ reply: 'The lighthouse is remembered.' });
  t = await buildTestApp();
});
afterAll(async () => {
  if (!runs) return;
  await t.close();
  await fake.close();
  const admin = new pg.Client({ connectionString: urlOf('postgres') });
  await admin.connect();
  await admin.query(`drop database if exists ${emptyDb}`).finally(() => admin.end());
  rmSync(work, { recursive: true, force: true });
});

describe.runIf(runs)('PostgreSQL: pg_dump / pg_restore and the files directory (README recipe)', () => {
  it('round-trips users, chats, messages, files and keys into an empty database', async () => {
    const seed = await seedInstallation(t.app, fake);
    const [{ name } = { name: '' }] = sqlRows(
      await t.database.db.execute(sql`select current_database() as name`),
      z.object({ name: z.string() }),
    );
    const dump = path.join(work, 'pocketllm.dump');
    const filesTar = path.join(work, 'pocketllm-files.tar.gz');
    execFileSync('pg_dump', ['--format=custom', `--file=${dump}`, urlOf(name)]);
    execFileSync('tar', ['-czf', filesTar, '-C', t.config.dataDir, 'files']);

    // The wipe: a brand-new empty database and an empty DATA_DIR.
    const admin = new pg.Client({ connectionString: urlOf('postgres') });
    await admin.connect();
    await admin.query(`create database ${emptyDb}`).finally(() => admin.end());
    const dataDir = path.join(work, 'data');
    execFileSync('mkdir', ['-p', dataDir]);
    execFileSync('pg_restore', ['--no-owner', `--dbname=${urlOf(emptyDb)}`, dump]);
    execFileSync('tar', ['-xzf', filesTar, '-C', dataDir]);

    const pool = new pg.Pool({ connectionString: urlOf(emptyDb), max: 4 });
    const restored = await buildTestApp({ database: fromPool(pool), env: { DATA_DIR: dataDir } });
    try {
      await expectInstallation(restored.app, fake, seed);
    } finally {
      await restored.close();
      await pool.end();
    }
  });
});
