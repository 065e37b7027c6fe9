import { describe, expect, it } from 'vitest';
import { metricsSeries } from './metrics-series';

describe('metricsSeries', () => {
  it('leaves hours without requests as gaps and puts the hit rate in percent', () => {
    const rows = metricsSeries({
      series: [
        { bucket: '2026-01-01T10:00:00.000Z', requests: 0, p95_latency_ms: 0, cache_hit_rate: 0 },
        { bucket: '2026-01-01T11:00:00.000Z', requests: 4, p95_latency_ms: 812.4, cache_hit_rate: 0.25 },
      ],
    });
    expect(rows.map(({ requests, p95, hit }) => ({ requests, p95, hit }))).toEqual([
      { requests: 0, p95: null, hit: null },
      { requests: 4, p95: 812, hit: 25 },
    ]);
  });
});
