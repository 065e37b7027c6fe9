import type { Db } from '../../db/client.js';
import { emptyHistogram, quantileFromHistogram } from './latency-histogram.js';
import {
  apiKeyUsageSince,
  hourlySeries,
  providerHistograms,
  providerTotals,
  usageSince,
} from './telemetry-reports.repository.js';

const HOUR_MS = 3_600_000;
const round1 = (n: number) => Math.round(n * 10) / 10;
const rate = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
const addInto = (target: number[], add: readonly number[]) => {
  add.forEach((n, i) => {
    target[i] = (target[i] ?? 0) + (n ?? 0);
  });
  return target;
};

/** /v1/metrics and /v1/usage, computed from the rollups (p95 estimated from the latency histogram). */
export function createTelemetryReports(db: Db) {
  return {
    /** Totals since the start of the log, per provider, and hourly over the last 24 h (oldest first). */
    async metrics(startedAt: number, now = new Date()) {
      const [providers, hists] = await Promise.all([providerTotals(db), providerHistograms(db)]);
      const since = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - 23 * HOUR_MS);
      const series = await hourlySeries(db, since);
      const all = emptyHistogram();
      let requests = 0;
      let hits = 0;
      let errors = 0;
      let latencySum = 0;
      let latencyMax = 0;
      const byProvider = providers.map((p) => {
        const hist = hists.get(p.provider) ?? [];
        addInto(all, hist);
        requests += p.requests;
        hits += p.cacheHits;
        errors += p.errors;
        latencySum += p.latencySumMs;
        latencyMax = Math.max(latencyMax, p.latencyMaxMs);
        return {
          provider: p.provider,
          requests: p.requests,
          avg_latency_ms: p.requests ? round1(p.latencySumMs / p.requests) : 0,
          p95_latency_ms: quantileFromHistogram(hist, 0.95, p.latencyMaxMs),
          errors: p.errors,
          tokens_in: p.tokensIn,
          tokens_out: p.tokensOut,
        };
      });
      const byBucket = new Map(series.map((s) => [s.bucket, s]));
      const points = Array.from({ length: 24 }, (_, i) => {
        const bucket = new Date(since.getTime() + i * HOUR_MS).toISOString();
        const s = byBucket.get(bucket);
        return {
          bucket,
          requests: s?.requests ?? 0,
          p95_latency_ms: s ? quantileFromHistogram(s.hist, 0.95, s.latencyMaxMs) : 0,
          cache_hit_rate: s ? rate(s.cacheHits, s.requests) : 0,
        };
      });
      return {
        total_requests: requests,
        cache_hits: hits,
        cache_misses: requests - hits,
        cache_hit_rate: rate(hits, requests),
        avg_latency_ms: requests ? round1(latencySum / requests) : 0,
        p95_latency_ms: quantileFromHistogram(all, 0.95, latencyMax),
        error_count: errors,
        uptime_seconds: Math.max(0, Math.round((now.getTime() - startedAt) / 1000)),
        by_provider: byProvider,
        series: points,
      };
    },

    /** The caller's requests and tokens per day, provider and model over the last `days` days (UTC). */
    async usage(userId: string, days: number, now = new Date()) {
      const first = new Date(now.getTime() - (days - 1) * 24 * HOUR_MS).toISOString().slice(0, 10);
      const [rows, keys] = await Promise.all([
        usageSince(db, userId, first),
        apiKeyUsageSince(db, userId, first),
      ]);
      const usage = rows.map((r) => ({
        day: r.day,
        provider: r.provider,
        model: r.model,
        requests: r.requests,
        tokens_in: r.tokensIn,
        tokens_out: r.tokensOut,
      }));
      const totals = usage.reduce(
        (t, u) => ({
          requests: t.requests + u.requests,
          tokens_in: t.tokens_in + u.tokens_in,
          tokens_out: t.tokens_out + u.tokens_out,
        }),
        { requests: 0, tokens_in: 0, tokens_out: 0 },
      );
      const by_api_key = keys.map((k) => ({
        name: k.name,
        requests: Number(k.requests),
        tokens_in: Number(k.tokensIn),
        tokens_out: Number(k.tokensOut),
      }));
      return { days, usage, by_api_key, totals };
    },
  };
}
