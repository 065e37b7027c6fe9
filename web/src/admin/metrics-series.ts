import type { MetricsReport } from '../api/types';

const hour = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The hourly buckets as chart rows. An hour without requests has no latency and no hit rate: null (a gap in
 * the line), never a zero the line would dive to.
 */
export function metricsSeries(r: Pick<MetricsReport, 'series'>) {
  return r.series.map((b) => ({
    t: hour(b.bucket),
    requests: b.requests,
    p95: b.requests > 0 ? Math.round(b.p95_latency_ms) : null,
    hit: b.requests > 0 ? Math.round(b.cache_hit_rate * 100) : null,
  }));
}
