import { and, asc, eq, gte, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { requestLog, requestLogHourly, usageDaily } from '../../db/schema/index.js';
import { sqlRows } from '../../lib/sql-rows.js';
import { SLOT_COUNT } from './latency-histogram.js';

// Reads the rollups (their size grows with hours × providers × models, not with requests); usage per API key
// reads the caller's own request_log rows (by user and time, indexed).

const num = (v: unknown) => Number(v ?? 0);

export async function providerTotals(db: Db) {
  const rows = await db
    .select({
      provider: requestLogHourly.provider,
      requests: sql<string>`sum(${requestLogHourly.requests})`,
      cacheHits: sql<string>`sum(${requestLogHourly.cacheHits})`,
      errors: sql<string>`sum(${requestLogHourly.errors})`,
      tokensIn: sql<string>`sum(${requestLogHourly.tokensIn})`,
      tokensOut: sql<string>`sum(${requestLogHourly.tokensOut})`,
      latencySumMs: sql<string>`sum(${requestLogHourly.latencySumMs})`,
      latencyMaxMs: sql<string>`max(${requestLogHourly.latencyMaxMs})`,
    })
    .from(requestLogHourly)
    .groupBy(requestLogHourly.provider)
    .orderBy(asc(requestLogHourly.provider));
  return rows.map((r) => ({
    provider: r.provider,
    requests: num(r.requests),
    cacheHits: num(r.cacheHits),
    errors: num(r.errors),
    tokensIn: num(r.tokensIn),
    tokensOut: num(r.tokensOut),
    latencySumMs: num(r.latencySumMs),
    latencyMaxMs: num(r.latencyMaxMs),
  }));
}

// sum(latency_hist[1]) … sum(latency_hist[N]): one aggregate pass, cheaper than unnesting every array.
const slotSums = sql.raw(
  Array.from({ length: SLOT_COUNT }, (_, i) => `sum(h.latency_hist[${i + 1}]) as s${i}`).join(', '),
);
const histRow = z.object({ k: z.union([z.string(), z.date()]) }).catchall(z.unknown());

/** Histogram slot counts summed per `key` (provider or hour bucket). */
async function histogramsBy(db: Db, key: 'provider' | 'bucket', since?: Date) {
  const keyCol = key === 'provider' ? sql`h.provider` : sql`h.bucket`;
  const where = since ? sql`where h.bucket >= ${since.toISOString()}` : sql``;
  const result = await db.execute(sql`
    select ${keyCol} as k, ${slotSums} from request_log_hourly h ${where} group by 1`);
  const out = new Map<string, number[]>();
  for (const r of sqlRows(result, histRow)) {
    const k = r.k instanceof Date ? r.k.toISOString() : key === 'bucket' ? new Date(r.k).toISOString() : r.k;
    out.set(
      k,
      Array.from({ length: SLOT_COUNT }, (_, i) => num(r[`s${i}`])),
    );
  }
  return out;
}

export const providerHistograms = (db: Db) => histogramsBy(db, 'provider');

export async function hourlySeries(db: Db, since: Date) {
  const rows = await db
    .select({
      bucket: requestLogHourly.bucket,
      requests: sql<string>`sum(${requestLogHourly.requests})`,
      cacheHits: sql<string>`sum(${requestLogHourly.cacheHits})`,
      latencyMaxMs: sql<string>`max(${requestLogHourly.latencyMaxMs})`,
    })
    .from(requestLogHourly)
    .where(gte(requestLogHourly.bucket, since))
    .groupBy(requestLogHourly.bucket);
  const hists = await histogramsBy(db, 'bucket', since);
  return rows.map((r) => ({
    bucket: r.bucket.toISOString(),
    requests: num(r.requests),
    cacheHits: num(r.cacheHits),
    latencyMaxMs: num(r.latencyMaxMs),
    hist: hists.get(r.bucket.toISOString()) ?? [],
  }));
}

export const usageSince = (db: Db, userId: string, firstDay: string) =>
  db
    .select({
      day: usageDaily.day,
      provider: usageDaily.provider,
      model: usageDaily.model,
      requests: usageDaily.requests,
      tokensIn: usageDaily.tokensIn,
      tokensOut: usageDaily.tokensOut,
    })
    .from(usageDaily)
    .where(and(eq(usageDaily.userId, userId), gte(usageDaily.day, firstDay)))
    .orderBy(asc(usageDaily.day), asc(usageDaily.provider), asc(usageDaily.model));

/** Requests made with personal API keys since `firstDay`, per key name (from request_log). */
export const apiKeyUsageSince = (db: Db, userId: string, firstDay: string) =>
  db
    .select({
      name: sql<string>`${requestLog.apiKeyName}`,
      requests: sql<number>`count(*)::int`,
      tokensIn: sql<number>`coalesce(sum(${requestLog.tokensIn}), 0)::int`,
      tokensOut: sql<number>`coalesce(sum(${requestLog.tokensOut}), 0)::int`,
    })
    .from(requestLog)
    .where(
      and(
        eq(requestLog.userId, userId),
        gte(requestLog.createdAt, new Date(`${firstDay}T00:00:00Z`)),
        isNotNull(requestLog.apiKeyName),
      ),
    )
    .groupBy(requestLog.apiKeyName)
    .orderBy(asc(requestLog.apiKeyName));
