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
// Since 0016 the search vector of a streaming answer is null.
const vectorSkipsStreaming = async () =>
  (
    await query<{ expr: string }>(
      "select generation_expression as expr from information_schema.columns where table_name = 'messages' and column_name = 'content_tsv'",
    )
  )[0]?.expr.includes('streaming') === true;

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
    // The database as it was before 0016: the vector of every row, its row in the journal table gone.
    await query('drop index messages_search_idx');
    await query('alter table messages drop column content_tsv');
    await query(
      "alter table messages add column content_tsv tsvector generated always as (to_tsvector('english', content)) stored",
    );
    await query(
      'delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)',
    );
    expect(await vectorSkipsStreaming()).toBe(false);
    await runMigrations(database);
    expect(await vectorSkipsStreaming()).toBe(true);
    expect(await applied()).toBe(before);
  });
});
