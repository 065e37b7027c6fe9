/**
 * Search and metrics at scale (issue 4 performance targets): seeds a scratch PostgreSQL database with
 * 1 M messages (100 k of them one user's) and 1 M request_log rows, then times the cross-chat search
 * query and GET /v1/metrics' computation. The scratch database is dropped at the end.
 *
 *   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     node --conditions=pocketllm-source --import tsx bench/src/search-metrics.bench.ts
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { z } from 'zod';
import type { Database } from '../../server/src/db/client.js';
import { fromPool } from '../../server/src/db/postgres.js';
import { searchMessages } from '../../server/src/features/search/search.repository.js';
import { rebuildRollups } from '../../server/src/features/telemetry/telemetry.repository.js';
import { createTelemetryReports } from '../../server/src/features/telemetry/telemetry-reports.js';
import { sqlRows } from '../../server/src/lib/sql-rows.js';

const planRow = z.object({ 'QUERY PLAN': z.string() });

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1_000_000);
const CHATS = 10_000; // 1 000 of them the target user's: 10 % of the messages
const RUNS = 30;

const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const here = path.dirname(fileURLToPath(import.meta.url));

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? 0;
};
async function timed(runs: number, fn: () => Promise<unknown>) {
  const ms: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { p50: +pct(ms, 0.5).toFixed(1), p95: +pct(ms, 0.95).toFixed(1), max: +Math.max(...ms).toFixed(1) };
}
async function step<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  console.log(`${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

// Real words (whose stems the queries use) take the most frequent ranks; the rest are 4 096 pseudo-words
// made of three syllables. A word's rank is floor(N * random()^3): a Zipf-like skew, as in real text.
const REAL_WORDS = ['the', 'and', 'data', 'server', 'python', 'recipe', 'volcanoes', 'bread', 'volcano'];
const SYLLABLES = 'kalomiratesunovedipogaribuxefazo';
const VOCAB_SIZE = REAL_WORDS.length + 4096;
const wordSql = (k: string) =>
  `case when ${k} < ${REAL_WORDS.length} then (${REAL_WORDS.map((w, i) => `case when ${k} = ${i} then '${w}' else '' end`).join(' || ')})
   else substr('${SYLLABLES}', 2 * (((${k} - ${REAL_WORDS.length}) >> 8) & 15) + 1, 2)
     || substr('${SYLLABLES}', 2 * (((${k} - ${REAL_WORDS.length}) >> 4) & 15) + 1, 2)
     || substr('${SYLLABLES}', 2 * ((${k} - ${REAL_WORDS.length}) & 15) + 1, 2) end`;

async function seedMessages(db: Database['db'], targetUser: string) {
  await db.execute(sql`insert into users (id, email, password_hash)
    select case when g = 0 then ${targetUser}::uuid else gen_random_uuid() end, 'u' || g || '@bench.test', 'x'
    from generate_series(0, 999) g`);
  await db.execute(sql`create temp table others as
    select id, (row_number() over ()) - 1 as k from users where id <> ${targetUser}::uuid`);
  await db.execute(sql`create index on others (k)`);
  await db.execute(sql`create temp table chat_map as
    select g as n, gen_random_uuid() as id,
      case when g < ${CHATS / 10} then ${targetUser}::uuid else (select o.id from others o where o.k = g % 999) end as user_id
    from generate_series(0, ${CHATS - 1}) g`);
  await db.execute(
    sql`insert into chats (id, user_id, title) select id, user_id, 'Chat ' || n from chat_map`,
  );
  await db.execute(sql`drop index messages_search_idx`);
  await step('insert 1 M messages', () =>
    db.execute(sql`insert into messages (id, chat_id, user_id, role, content, created_at, updated_at)
      select gen_random_uuid(), c.id, c.user_id, case when g % 2 = 0 then 'user' else 'assistant' end,
        (select string_agg(${sql.raw(wordSql('w.k'))}, ' ')
           from (select floor(power(random(), 3) * ${VOCAB_SIZE})::int as k
                 from generate_series(1, 10 + (g % 25)) s where g > 0) w),
        now() - make_interval(secs => g), now()
      from generate_series(1, ${MESSAGES}) g join chat_map c on c.n = g % ${CHATS}`),
  );
  await step('build the GIN index', () =>
    db.execute(sql`create index messages_search_idx on messages using gin (content_tsv)`),
  );
  await db.execute(sql`analyze`);
}

async function seedRequests(db: Database['db']) {
  await step('insert 1 M request_log rows', () =>
    db.execute(sql`insert into request_log (id, user_id, provider, model, tokens_in, tokens_out, latency_ms, cache_hit, status, created_at)
      select gen_random_uuid(), null, (array['openai','anthropic','ollama','groq'])[1 + g % 4],
        (array['m-small','m-large'])[1 + g % 2], 50 + g % 500, 100 + g % 900,
        (20 + power(random(), 4) * 20000)::int, random() < 0.3, case when random() < 0.02 then 'error' else 'ok' end,
        now() - make_interval(secs => g % (30 * 86400))
      from generate_series(1, ${REQUESTS}) g`),
  );
  await db.execute(sql`analyze request_log`);
}

async function main() {
  const name = `pocketllm_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = fromPool(new pg.Pool({ connectionString: url.toString(), max: 4 }));
  const db = database.db;
  try {
    await database.migrate(path.resolve(here, '../../server/src/db/migrations'));
    const target = '0190a000-0000-7000-8000-000000000001';
    await seedMessages(db, target);
    const queries = [
      'volcano',
      'python server',
      'kalomi',
      '"the data"',
      'bread -recipe',
      'zozozo',
      'kaloka OR miramu',
    ];
    const search: Record<string, unknown> = {};
    for (const q of queries) {
      const [first] = await searchMessages(db, { userId: target, q, limit: 20, offset: 0 });
      search[q] = {
        matches: Number(first?.total ?? 0),
        ...(await timed(RUNS, () => searchMessages(db, { userId: target, q, limit: 20, offset: 0 }))),
      };
    }
    console.table(search);
    const plan = await db.execute(sql`explain select m.id from messages m
      where m.user_id = ${target} and m.content_tsv @@ websearch_to_tsquery('english', 'volcano')`);
    console.log(
      'plan:',
      sqlRows(plan, planRow)
        .map((r) => r['QUERY PLAN'])
        .join('\n'),
    );

    await seedRequests(db);
    const raw = await timed(5, () =>
      db.execute(sql`select provider, count(*), avg(latency_ms), percentile_cont(0.95) within group (order by latency_ms),
        count(*) filter (where cache_hit), count(*) filter (where status = 'error') from request_log group by provider`),
    );
    console.log('metrics straight from request_log (before rollups):', raw);
    await step('rebuild rollups from 1 M rows', () => rebuildRollups(db));
    const reports = createTelemetryReports(db);
    console.log(
      'GET /v1/metrics computation from rollups:',
      await timed(RUNS, () => reports.metrics(Date.now())),
    );
    const m = await reports.metrics(Date.now());
    console.log('metrics check:', { total: m.total_requests, p95: m.p95_latency_ms, avg: m.avg_latency_ms });
    const exact = await db.execute(
      sql`select percentile_cont(0.95) within group (order by latency_ms) as p95 from request_log`,
    );
    console.log('exact p95 for comparison:', sqlRows(exact, z.object({ p95: z.number() }))[0]?.p95);
  } finally {
    await database.close();
    if (process.env.BENCH_KEEP === '1') console.log(`kept database ${name}`);
    else await admin.query(`drop database if exists ${name}`);
    await admin.end();
  }
}

await main();
