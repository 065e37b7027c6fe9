import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testEngine } from '../../test/helpers/test-db.js';
import { type Database, fromPglite } from './client.js';
import { migrationsFolder } from './migrate.js';
import { fromPool } from './postgres.js';

// Migration 0005 on a database that has lived at 0004: its linear chats become one branch each, in place.
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The migrations folder as it was at 0004 (the same files, the journal cut after 0004). */
function folderAt0004(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pocketllm-mig-'));
  dirs.push(dir);
  cpSync(migrationsFolder, dir, { recursive: true });
  const journalPath = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag.startsWith('0005'));
  expect(cut).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalPath, JSON.stringify(journal));
  rmSync(path.join(dir, '0005_message_tree.sql'));
  return dir;
}

/** An empty database of this project's engine. */
async function emptyDatabase(): Promise<Database> {
  if (testEngine() === 'pglite') {
    const db = fromPglite(await PGlite.create());
    cleanups.push(() => db.close());
    return db;
  }
  const url = process.env.TEST_DATABASE_URL ?? '';
  const name = `mig0005_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: u.toString(), max: 2 });
  const db = fromPool(pool);
  cleanups.push(async () => {
    await db.close();
    await admin.query(`drop database if exists ${name}`);
    await admin.end();
  });
  return db;
}

describe('migration 0005 (message tree)', () => {
  it('parents each message of a linear chat on the one before, and makes the newest the leaf', async () => {
    const database = await emptyDatabase();
    await database.migrate(folderAt0004());
    const rows: unknown[][] = [];
    const q = (text: string) => database.db.execute(sql.raw(text));
    await q(`insert into users (id, email, password_hash) values
      ('00000000-0000-4000-8000-000000000001', 'ada@example.com', 'x')`);
    await q(`insert into chats (id, user_id, title) values
      ('00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-000000000001', 'Linear'),
      ('00000000-0000-4000-8000-0000000000c2', '00000000-0000-4000-8000-000000000001', 'Empty')`);
    // Out of id order on purpose: the order is created_at's.
    await q(`insert into messages (id, chat_id, user_id, role, content, created_at) values
      ('00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-000000000001', 'user', 'q2', '2026-01-01T00:00:03Z'),
      ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-000000000001', 'user', 'q1', '2026-01-01T00:00:01Z'),
      ('00000000-0000-4000-8000-0000000000a4', '00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-000000000001', 'assistant', 'a2', '2026-01-01T00:00:04Z'),
      ('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-000000000001', 'assistant', 'a1', '2026-01-01T00:00:02Z')`);
    await database.migrate(migrationsFolder);
    const result = (await q(
      'select content, (select content from messages p where p.id = m.parent_id) as parent, attachments::text as attachments from messages m order by created_at',
    )) as { rows: { content: string; parent: string | null; attachments: string }[] };
    rows.push(...result.rows.map((r) => [r.content, r.parent, r.attachments]));
    expect(rows).toEqual([
      ['q1', null, '[]'],
      ['a1', 'q1', '[]'],
      ['q2', 'a1', '[]'],
      ['a2', 'q2', '[]'],
    ]);
    const leaves = (await q('select title, current_leaf_id from chats order by title')) as {
      rows: { title: string; current_leaf_id: string | null }[];
    };
    expect(leaves.rows).toEqual([
      { title: 'Empty', current_leaf_id: null },
      { title: 'Linear', current_leaf_id: '00000000-0000-4000-8000-0000000000a4' },
    ]);
  }, 240_000);
});
