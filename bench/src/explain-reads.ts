// EXPLAIN ANALYZE of the chat read paths (list, open) on an engine seeded like the `scale` phase:
// 10,000 chats for one user and one chat of 1,000 messages. `npx tsx bench/src/explain-reads.ts [url]`
// (no url: a fresh PGlite). Prints the plans before and after ANALYZE.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../server/src/db/client.js';
import { runMigrations } from '../../server/src/db/migrate.js';

const url = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'explain-reads-'));
const database = await openDatabase({ databaseUrl: url, dataDir: dir });
await runMigrations(database);
const { db } = database;
const rows = async (q: ReturnType<typeof sql>) => (await db.execute(q)) as unknown as { rows?: unknown[] };
const u = (await db.execute(
  sql`insert into users (id, email, password_hash) values (gen_random_uuid(), ${`x${Date.now()}@e.x`}, 'x') returning id`,
)) as unknown as { rows: { id: string }[] };
const userId = u.rows[0]?.id ?? '';
// chats made one by one like the bench: updated_at increasing
await db.execute(sql`insert into chats (id, user_id, created_at, updated_at)
  select gen_random_uuid(), ${userId}, now() - (g || ' ms')::interval, now() - (g || ' ms')::interval from generate_series(1, 10000) g`);
const big =
  (
    (await db.execute(
      sql`select id from chats where user_id = ${userId} order by updated_at desc limit 1`,
    )) as unknown as { rows: { id: string }[] }
  ).rows[0]?.id ?? '';
await db.execute(sql`do $$ declare prev uuid := null; cur uuid; begin
  for i in 1..1000 loop
    cur := gen_random_uuid();
    insert into messages (id, chat_id, user_id, parent_id, role, content, created_at, updated_at)
      values (cur, '${sql.raw(big)}', '${sql.raw(userId)}', prev, case when i % 2 = 1 then 'user' else 'assistant' end,
              repeat('word ', 40), now() + (i || ' ms')::interval, now() + (i || ' ms')::interval);
    prev := cur;
  end loop;
  update chats set current_leaf_id = prev, message_count = 1000 where id = '${sql.raw(big)}';
end $$`);

const list = sql`explain (analyze, buffers off) select id, title, updated_at from chats where user_id = ${userId}
  order by updated_at desc nulls last, id desc nulls last limit 51`;
const openPath = sql.raw(`explain analyze
    with recursive w(id, parent_id, depth) as (
      select m.id, m.parent_id, 0 from chats c join messages m on m.id = c.current_leaf_id and m.chat_id = c.id
       where c.id = '${big}' and c.user_id = '${userId}'
      union all
      select m.id, m.parent_id, w.depth + 1 from w join messages m on m.id = w.parent_id where w.depth < 100
    )
    select m.*, coalesce(
      (select json_agg(s.id order by s.created_at, s.id) from messages s where s.parent_id = m.parent_id),
      (select json_agg(s.id order by s.created_at, s.id) from messages s where s.chat_id = m.chat_id and s.parent_id is null))
    from w join messages m on m.id = w.id order by w.depth desc`);
const show = async (label: string, q: ReturnType<typeof sql>) => {
  const r = await rows(q);
  console.log(`--- ${label}`);
  for (const row of r.rows ?? []) console.log(Object.values(row as object)[0]);
};
await show('list, before analyze', list);
await show('open path, before analyze', openPath);
await db.execute(sql`analyze`);
await show('list, after analyze', list);
await show('open path, after analyze', openPath);
await database.close();
rmSync(dir, { recursive: true, force: true });
