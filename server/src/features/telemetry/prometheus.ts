import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { RequestLogEntry } from './telemetry.types.js';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * This process's Prometheus metrics, on a registry of its own (not prom-client's global one), so several
 * apps in one process (tests) never clash. Counters are per instance: a scraper sums over instances.
 */
export function createPromMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pocketllm_' });
  const http = new Histogram({
    name: 'pocketllm_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const llmRequests = new Counter({
    name: 'pocketllm_llm_requests_total',
    help: 'Chat requests by provider, status and cache outcome',
    labelNames: ['provider', 'status', 'cache_hit'] as const,
    registers: [registry],
  });
  const llmLatency = new Histogram({
    name: 'pocketllm_llm_request_duration_seconds',
    help: 'Chat request latency by provider',
    labelNames: ['provider'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const llmTokens = new Counter({
    name: 'pocketllm_llm_tokens_total',
    help: 'Tokens by provider and direction',
    labelNames: ['provider', 'direction'] as const,
    registers: [registry],
  });

  return {
    registry,
    observeHttp(method: string, route: string, statusCode: number, seconds: number) {
      http.observe({ method, route, status_code: String(statusCode) }, seconds);
    },
    observeChat(e: RequestLogEntry) {
      llmRequests.inc({ provider: e.provider, status: e.status, cache_hit: String(e.cacheHit) });
      llmLatency.observe({ provider: e.provider }, e.latencyMs / 1000);
      llmTokens.inc({ provider: e.provider, direction: 'in' }, e.tokensIn);
      llmTokens.inc({ provider: e.provider, direction: 'out' }, e.tokensOut);
    },
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

export type PromMetrics = ReturnType<typeof createPromMetrics>;
