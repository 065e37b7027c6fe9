/**
 * Latency histogram shared by the hourly rollup and the p95 estimate. Slot k counts latencies with
 * bounds[k-1] <= ms < bounds[k] (slot 0: below the first bound; the last slot: at or above the last),
 * which is what PostgreSQL's width_bucket(ms, bounds) returns, so SQL backfills and JS agree.
 */
export const LATENCY_BUCKETS_MS = [
  10, 25, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000, 7500, 10_000, 15_000,
  20_000, 30_000, 60_000, 120_000,
] as const;

export const SLOT_COUNT = LATENCY_BUCKETS_MS.length + 1;

export function slotOf(ms: number): number {
  let slot = 0;
  while (slot < LATENCY_BUCKETS_MS.length && ms >= (LATENCY_BUCKETS_MS[slot] ?? Number.POSITIVE_INFINITY))
    slot += 1;
  return slot;
}

export const emptyHistogram = (): number[] => new Array<number>(SLOT_COUNT).fill(0);

/**
 * The q-quantile (0..1) estimated from slot counts, interpolating linearly inside the slot that holds it
 * (as Prometheus' histogram_quantile does); the open last slot is bounded by the largest latency seen.
 */
export function quantileFromHistogram(hist: readonly number[], q: number, maxMs: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const target = q * total;
  let below = 0;
  for (let slot = 0; slot < hist.length; slot += 1) {
    const n = hist[slot] ?? 0;
    if (n > 0 && below + n >= target) {
      const lo = slot === 0 ? 0 : (LATENCY_BUCKETS_MS[slot - 1] ?? 0);
      const hi = Math.min(LATENCY_BUCKETS_MS[slot] ?? maxMs, Math.max(maxMs, lo));
      return Math.round((lo + ((target - below) / n) * (hi - lo)) * 10) / 10;
    }
    below += n;
  }
  return maxMs;
}

/** `ARRAY[count(*) filter (where width_bucket(...) = 0), …]`: a histogram built in one aggregate pass. */
export function histogramAggregateSql(column: string): string {
  const bounds = `ARRAY[${LATENCY_BUCKETS_MS.join(',')}]::int[]`;
  const slots = Array.from(
    { length: SLOT_COUNT },
    (_, k) => `(count(*) filter (where width_bucket(${column}, ${bounds}) = ${k}))::int`,
  );
  return `ARRAY[${slots.join(', ')}]`;
}
