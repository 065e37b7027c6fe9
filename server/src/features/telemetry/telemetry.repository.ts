import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { requestLog, requestLogHourly, usageDaily } from '../../db/schema/index.js';
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

/** One transaction: the raw rows in one multi-row insert, and the rollups incremented to match. */
export async function insertBatch(
  db: Db,
  entries: readonly (RequestLogEntry & { at: Date })[],
): Promise<void> {
  if (entries.length === 0) return;
  const { hourly, daily } = rollUp(entries);
  await db.transaction(async (tx) => {
    await tx.insert(requestLog).values(
      entries.map((e) => ({
        userId: e.userId,
        chatId: e.chatId ?? null,
        messageId: e.messageId ?? null,
        provider: e.provider,
        model: e.model,
        localEndpointId: e.localEndpointId ?? null,
        tokensIn: e.tokensIn,
        tokensOut: e.tokensOut,
        latencyMs: e.latencyMs,
        ttftMs: e.ttftMs ?? null,
        cacheHit: e.cacheHit,
        status: e.status,
        errorCode: e.errorCode ?? null,
        apiKeyName: e.apiKeyName ?? null,
        createdAt: e.at,
      })),
    );
    await tx
      .insert(requestLogHourly)
      .values(hourly)
      .onConflictDoUpdate({
        target: [requestLogHourly.bucket, requestLogHourly.provider, requestLogHourly.model],
        set: {
          requests: sql`${requestLogHourly.requests} + excluded.requests`,
          cacheHits: sql`${requestLogHourly.cacheHits} + excluded.cache_hits`,
          errors: sql`${requestLogHourly.errors} + excluded.errors`,
          tokensIn: sql`${requestLogHourly.tokensIn} + excluded.tokens_in`,
          tokensOut: sql`${requestLogHourly.tokensOut} + excluded.tokens_out`,
          latencySumMs: sql`${requestLogHourly.latencySumMs} + excluded.latency_sum_ms`,
          latencyMaxMs: sql`greatest(${requestLogHourly.latencyMaxMs}, excluded.latency_max_ms)`,
          latencyHist: sql`(select array_agg(a + b order by i)
            from unnest(${requestLogHourly.latencyHist}, excluded.latency_hist) with ordinality as t(a, b, i))`,
        },
      });
    await tx
      .insert(usageDaily)
      .values(daily)
      .onConflictDoUpdate({
        target: [usageDaily.userId, usageDaily.day, usageDaily.provider, usageDaily.model],
        set: {
          requests: sql`${usageDaily.requests} + excluded.requests`,
          tokensIn: sql`${usageDaily.tokensIn} + excluded.tokens_in`,
          tokensOut: sql`${usageDaily.tokensOut} + excluded.tokens_out`,
        },
      });
  });
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
