import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { requestLogHourly, usageDaily } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { emptyHistogram, histogramAggregateSql, slotOf } from './latency-histogram.js';
import type { RequestLogEntry } from './telemetry.types.js';

type HourlyRow = typeof requestLogHourly.$inferInsert & { latencyHist: number[] };
type DailyRow = typeof usageDaily.$inferInsert;

const hourOf = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

function rollUp(entries: readonly (RequestLogEntry & { at: Date })[]) {
  const hourly = new Map<string, HourlyRow>();
  const daily = new Map<string, DailyRow>();
  for (const e of entries) {
    const bucket = hourOf(e.at);
    const hk = `${bucket.toISOString()}|${e.provider}|${e.model}`;
    const h = hourly.get(hk) ?? {
      bucket,
      provider: e.provider,
      model: e.model,
      requests: 0,
      cacheHits: 0,
      errors: 0,
      tokensIn: 0,
      tokensOut: 0,
      latencySumMs: 0,
      latencyMaxMs: 0,
      latencyHist: emptyHistogram(),
    };
    h.requests = (h.requests ?? 0) + 1;
    h.cacheHits = (h.cacheHits ?? 0) + (e.cacheHit ? 1 : 0);
    h.errors = (h.errors ?? 0) + (e.status === 'error' ? 1 : 0);
    h.tokensIn = (h.tokensIn ?? 0) + e.tokensIn;
    h.tokensOut = (h.tokensOut ?? 0) + e.tokensOut;
    h.latencySumMs = (h.latencySumMs ?? 0) + e.latencyMs;
    h.latencyMaxMs = Math.max(h.latencyMaxMs ?? 0, e.latencyMs);
    const slot = slotOf(e.latencyMs);
    h.latencyHist[slot] = (h.latencyHist[slot] ?? 0) + 1;
    hourly.set(hk, h);

    const dk = `${e.userId}|${dayOf(e.at)}|${e.provider}|${e.model}`;
    const d = daily.get(dk) ?? { day: dayOf(e.at), userId: e.userId, provider: e.provider, model: e.model };
    d.requests = (d.requests ?? 0) + 1;
    d.tokensIn = (d.tokensIn ?? 0) + e.tokensIn;
    d.tokensOut = (d.tokensOut ?? 0) + e.tokensOut;
    daily.set(dk, d);
  }
  return { hourly: [...hourly.values()], daily: [...daily.values()] };
}

/**
 * The whole batch in ONE statement with three JSON parameters (atomic like a transaction): the raw rows, and
 * both rollups incremented to match. Hand-written on purpose: Drizzle's multi-row insert built one parameter
 * per cell (15 per row, 200 rows a batch), and building that SQL was a tenth of the gateway's CPU per request
 * in a profile; PGlite then parsed and bound all of them.
 */
const INSERT_BATCH_SQL = `with raw as (
  insert into request_log (id, user_id, chat_id, message_id, provider, model, local_endpoint_id, tokens_in,
    tokens_out, latency_ms, ttft_ms, cache_hit, status, error_code, api_key_name, created_at)
  select id, user_id, chat_id, message_id, provider, model, local_endpoint_id, tokens_in, tokens_out, latency_ms,
    ttft_ms, cache_hit, status, error_code, api_key_name, created_at
  from json_to_recordset($1::json) as t(id uuid, user_id uuid, chat_id uuid, message_id uuid, provider text,
    model text, local_endpoint_id uuid, tokens_in integer, tokens_out integer, latency_ms integer, ttft_ms integer,
    cache_hit boolean, status text, error_code text, api_key_name text, created_at timestamptz)
), hourly as (
  insert into request_log_hourly as h (bucket, provider, model, requests, cache_hits, errors, tokens_in, tokens_out,
    latency_sum_ms, latency_max_ms, latency_hist)
  select bucket, provider, model, requests, cache_hits, errors, tokens_in, tokens_out, latency_sum_ms,
    latency_max_ms, latency_hist
  from json_to_recordset($2::json) as t(bucket timestamptz, provider text, model text, requests integer,
    cache_hits integer, errors integer, tokens_in bigint, tokens_out bigint, latency_sum_ms bigint,
    latency_max_ms integer, latency_hist integer[])
  on conflict (bucket, provider, model) do update set
    requests = h.requests + excluded.requests,
    cache_hits = h.cache_hits + excluded.cache_hits,
    errors = h.errors + excluded.errors,
    tokens_in = h.tokens_in + excluded.tokens_in,
    tokens_out = h.tokens_out + excluded.tokens_out,
    latency_sum_ms = h.latency_sum_ms + excluded.latency_sum_ms,
    latency_max_ms = greatest(h.latency_max_ms, excluded.latency_max_ms),
    latency_hist = (select array_agg(a + b order by i)
      from unnest(h.latency_hist, excluded.latency_hist) with ordinality as u(a, b, i))
)
insert into usage_daily as d (day, user_id, provider, model, requests, tokens_in, tokens_out)
select day, user_id, provider, model, requests, tokens_in, tokens_out
from json_to_recordset($3::json) as t(day date, user_id uuid, provider text, model text, requests integer,
  tokens_in bigint, tokens_out bigint)
where user_id is not null
on conflict (user_id, day, provider, model) do update set
  requests = d.requests + excluded.requests,
  tokens_in = d.tokens_in + excluded.tokens_in,
  tokens_out = d.tokens_out + excluded.tokens_out`;

/** The statement around its three parameters. */
const BATCH_PARTS = INSERT_BATCH_SQL.split(/\$[123]\b/);

export async function insertBatch(
  db: Db,
  entries: readonly (RequestLogEntry & { at: Date })[],
): Promise<void> {
  if (entries.length === 0) return;
  const { hourly, daily } = rollUp(entries);
  const raw = entries.map((e) => ({
    id: newId(),
    user_id: e.userId,
    chat_id: e.chatId ?? null,
    message_id: e.messageId ?? null,
    provider: e.provider,
    model: e.model,
    local_endpoint_id: e.localEndpointId ?? null,
    tokens_in: e.tokensIn,
    tokens_out: e.tokensOut,
    latency_ms: e.latencyMs,
    ttft_ms: e.ttftMs ?? null,
    cache_hit: e.cacheHit,
    status: e.status,
    error_code: e.errorCode ?? null,
    api_key_name: e.apiKeyName ?? null,
    created_at: e.at.toISOString(),
  }));
  const hours = hourly.map((h) => ({
    bucket: h.bucket.toISOString(),
    provider: h.provider,
    model: h.model,
    requests: h.requests,
    cache_hits: h.cacheHits,
    errors: h.errors,
    tokens_in: h.tokensIn,
    tokens_out: h.tokensOut,
    latency_sum_ms: h.latencySumMs,
    latency_max_ms: h.latencyMaxMs,
    latency_hist: h.latencyHist,
  }));
  const days = daily.map((d) => ({
    day: d.day,
    user_id: d.userId,
    provider: d.provider,
    model: d.model,
    requests: d.requests,
    tokens_in: d.tokensIn,
    tokens_out: d.tokensOut,
  }));
  const [p0 = '', p1 = '', p2 = '', p3 = ''] = BATCH_PARTS;
  const params = [raw, hours, days].map((rows) => sql`${JSON.stringify(rows)}`);
  await db.execute(
    sql.join([sql.raw(p0), params[0], sql.raw(p1), params[1], sql.raw(p2), params[2], sql.raw(p3)]),
  );
}

/**
 * Rebuilds both rollups from request_log (for rows written by other means, e.g. a bulk import or a bench
 * seed). Migration 0001 runs the same statements once for rows that existed before the rollups.
 */
export async function rebuildRollups(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`delete from request_log_hourly`);
    await tx.execute(sql`delete from usage_daily`);
    await tx.execute(sql.raw(HOURLY_BACKFILL_SQL));
    await tx.execute(sql.raw(DAILY_BACKFILL_SQL));
  });
}

export const HOURLY_BACKFILL_SQL = `insert into request_log_hourly
  (bucket, provider, model, requests, cache_hits, errors, tokens_in, tokens_out, latency_sum_ms, latency_max_ms, latency_hist)
select date_trunc('hour', created_at, 'UTC'), provider, model, count(*), count(*) filter (where cache_hit),
  count(*) filter (where status = 'error'), sum(tokens_in), sum(tokens_out), sum(latency_ms), max(latency_ms),
  ${histogramAggregateSql('latency_ms')}
from request_log group by 1, 2, 3`;

export const DAILY_BACKFILL_SQL = `insert into usage_daily (day, user_id, provider, model, requests, tokens_in, tokens_out)
select (created_at at time zone 'UTC')::date, user_id, provider, model, count(*), sum(tokens_in), sum(tokens_out)
from request_log where user_id is not null group by 1, 2, 3, 4`;
