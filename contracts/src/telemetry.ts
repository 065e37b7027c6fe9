import { z } from 'zod';
import { timestamp } from './common.js';

export const providerMetrics = z.object({
  provider: z.string(),
  requests: z.number().int(),
  avg_latency_ms: z.number(),
  p95_latency_ms: z.number(),
  errors: z.number().int(),
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
});

export const metricsBucket = z.object({
  bucket: timestamp,
  requests: z.number().int(),
  p95_latency_ms: z.number(),
  cache_hit_rate: z.number(),
});

export const metricsReport = z.object({
  total_requests: z.number().int(),
  cache_hits: z.number().int(),
  cache_misses: z.number().int(),
  cache_hit_rate: z.number(),
  avg_latency_ms: z.number(),
  p95_latency_ms: z.number(),
  error_count: z.number().int(),
  uptime_seconds: z.number(),
  by_provider: z.array(providerMetrics),
  /** Hourly over the last 24 hours, oldest first, for the portal's charts. */
  series: z.array(metricsBucket),
});
export type MetricsReport = z.infer<typeof metricsReport>;

export const usageQuery = z.object({ days: z.coerce.number().int().min(1).max(366).default(30) });

export const usageDay = z.object({
  day: z.string().describe('YYYY-MM-DD (UTC)'),
  model: z.string(),
  provider: z.string(),
  requests: z.number().int(),
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
});
export const usageReport = z.object({
  days: z.number().int(),
  usage: z.array(usageDay),
  /** Requests made with personal API keys (/openai/v1), per key name, over the same days. */
  by_api_key: z.array(
    z.object({
      name: z.string(),
      requests: z.number().int(),
      tokens_in: z.number().int(),
      tokens_out: z.number().int(),
    }),
  ),
  totals: z.object({ requests: z.number().int(), tokens_in: z.number().int(), tokens_out: z.number().int() }),
});
