import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAliceAndBob } from '../../test/helpers/chat-rows.js';
import { createTestDatabase, testEngine } from '../../test/helpers/test-db.js';
import { analyzeChanged, pgliteAutoAnalyze, tablesToAnalyze } from './auto-analyze.js';
import type { Database } from './client.js';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const plan = async (userId: string) => {
  const r = (await database.db.execute(sql`explain select id from chats where user_id = ${userId}
    order by updated_at desc nulls last, id desc nulls last limit 51`)) as unknown as {
    rows: Record<string, string>[];
  };
  return r.rows.map((row) => Object.values(row)[0]).join('\n');
};

/** Waits until the statistics of `chats` show the inserts (they are flushed at most once a second). */
async function untilChanged(): Promise<string[]> {
  for (let i = 0; i < 50; i++) {
    const tables = await tablesToAnalyze(database.db);
    if (tables.includes('chats')) return tables;
    await new Promise((r) => setTimeout(r, 200));
  }
  return tablesToAnalyze(database.db);
}

describe('auto-analyze', () => {
  it('analyzes the tables changed past the threshold, after which the chat list reads its index', async () => {
    const { alice } = await insertAliceAndBob(database.db);
    await database.db.execute(sql`insert into chats (id, user_id, updated_at)
      select gen_random_uuid(), ${alice}, now() - g * interval '1 ms' from generate_series(1, 5000) g`);
    const before = await untilChanged();
    // PostgreSQL's own autovacuum may have analyzed it meanwhile; PGlite has none, so it must be listed.
    if (testEngine() === 'pglite') expect(before).toContain('chats');
    if (before.includes('chats')) {
      expect(await analyzeChanged(database.db)).toContain('chats');
    }
    expect(await tablesToAnalyze(database.db)).not.toContain('chats');
    const after = await plan(alice);
    expect(after).toContain('chats_user_activity_idx');
    expect(after).not.toMatch(/Sort/);
  });

  it('runs a pass once started, which stop waits for', async () => {
    const r = (await database.db.execute(
      sql`insert into users (id, email, password_hash) values (gen_random_uuid(), 'carol@example.com', 'x') returning id`,
    )) as unknown as { rows: { id: string }[] };
    const carol = r.rows[0]?.id ?? '';
    await database.db.execute(sql`insert into chats (id, user_id) select gen_random_uuid(), ${carol}
      from generate_series(1, 3000)`);
    const changed = await untilChanged();
    if (testEngine() === 'pglite') expect(changed).toContain('chats');
    const warnings: object[] = [];
    const managed = pgliteAutoAnalyze({
      db: database.db,
      intervalMs: 60_000,
      logger: { warn: (obj) => warnings.push(obj) },
    });
    // The first pass starts with it and runs in the background; stop waits for it.
    await managed.start?.();
    await managed.stop?.(performance.now());
    if (changed.includes('chats')) expect(await tablesToAnalyze(database.db)).not.toContain('chats');
    expect(warnings).toEqual([]);
  });
});
