import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/test-db.js';
import type { Database } from './client.js';
import { migrationsFolder, runMigrations } from './migrate.js';

// runMigrations reads one row when the database is current; a database behind the journal is still migrated.
let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

// db.execute answers `{ rows }` on both engines (withConnection's raw answer differs between them).
const query = async <T>(text: string) =>
  ((await database.db.execute(sql.raw(text))) as unknown as { rows: T[] }).rows;
const applied = async () =>
  (await query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations'))[0]?.n;
// Since 0017 statements writing messages renew their chats' row version (triggers on messages).
const chatTriggers = async () =>
  (
    await query<{ n: number }>(
      "select count(*)::int as n from pg_trigger where tgrelid = 'messages'::regclass and tgname like 'messages_touch_chat_%'",
    )
  )[0]?.n;

describe('runMigrations', () => {
  it('leaves a current database as it is', async () => {
    const journal = JSON.parse(
      readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8'),
    ) as {
      entries: unknown[];
    };
    expect(await applied()).toBe(journal.entries.length);
    await runMigrations(database);
    expect(await applied()).toBe(journal.entries.length);
  });

  it('applies the newest migration to a database that lacks it', async () => {
    const before = await applied();
    // The database as it was before 0017: no triggers, its row in the journal table gone.
    for (const t of ['upd', 'del']) await query(`drop trigger messages_touch_chat_${t} on messages`);
    for (const f of ['update', 'delete']) await query(`drop function chat_touch_on_message_${f}()`);
    await query(
      'delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)',
    );
    expect(await chatTriggers()).toBe(0);
    await runMigrations(database);
    expect(await chatTriggers()).toBe(2);
    expect(await applied()).toBe(before);
  });
});
