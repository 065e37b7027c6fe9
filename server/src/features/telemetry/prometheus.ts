import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestLogEntry } from './telemetry.types.js';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * This process's Prometheus metrics, on a registry of its own (not prom-client's global one), so several
 * apps in one process (tests) never clash. Counters are per instance: a scraper sums over instances.
 */
export function createPromMetrics() {
  const registry = new Registry();
  // The event-loop lag sample every 100 ms, not prom-client's 10: its timer woke an idle server 100 times a
  // second (most of an idle server's CPU); lags still show, sampled ten times a second.
  collectDefaultMetrics({ register: registry, prefix: 'pocketllm_', eventLoopMonitoringPrecision: 100 });
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

  const reads = new Counter({
    name: 'pocketllm_read_cache_reads_total',
    help: 'Hot reads (open: a chat opened, list: a chat-list page) by read cache outcome: hit (served after its version check), changed (checked, then read again), miss (not kept)',
    labelNames: ['read', 'outcome'] as const,
    registers: [registry],
  });
  let readCacheBytes = () => 0;
  new Gauge({
    name: 'pocketllm_read_cache_bytes',
    help: 'Bytes the read cache holds (READ_CACHE_MB bounds it)',
    registers: [registry],
    collect() {
      this.set(readCacheBytes());
    },
  });

  // Each labelled call hashes its labels (sorted names, joined values); the children of the few label sets a
  // process sees are kept instead, so a request's metrics cost a map lookup each. Bounded, in case a label
  // ever takes many values.
  const memo = <T>() => {
    const children = new Map<string, T>();
    return (key: string, make: () => T) => {
      let child = children.get(key);
      if (!child) {
        if (children.size >= 1000) children.clear();
        child = make();
        children.set(key, child);
      }
      return child;
    };
  };
  const httpChild = memo<ReturnType<typeof http.labels>>();
  const chatChild = memo<{
    requests: ReturnType<typeof llmRequests.labels>;
    latency: ReturnType<typeof llmLatency.labels>;
    tokensIn: ReturnType<typeof llmTokens.labels>;
    tokensOut: ReturnType<typeof llmTokens.labels>;
  }>();

  const readChild = memo<ReturnType<typeof reads.labels>>();

  return {
    registry,
    observeRead(read: string, outcome: string) {
      readChild(`${read}\n${outcome}`, () => reads.labels({ read, outcome })).inc();
    },
    /** Where the read cache's size is read from at each scrape. */
    watchReadCache(bytes: () => number) {
      readCacheBytes = bytes;
    },
    observeHttp(method: string, route: string, statusCode: number, seconds: number) {
      const status = String(statusCode);
      httpChild(`${method}\n${route}\n${status}`, () =>
        http.labels({ method, route, status_code: status }),
      ).observe(seconds);
    },
    observeChat(e: RequestLogEntry) {
      const { provider, status } = e;
      const cacheHit = String(e.cacheHit);
      const c = chatChild(`${provider}\n${status}\n${cacheHit}`, () => ({
        requests: llmRequests.labels({ provider, status, cache_hit: cacheHit }),
        latency: llmLatency.labels({ provider }),
        tokensIn: llmTokens.labels({ provider, direction: 'in' }),
        tokensOut: llmTokens.labels({ provider, direction: 'out' }),
      }));
      c.requests.inc();
      c.latency.observe(e.latencyMs / 1000);
      c.tokensIn.inc(e.tokensIn);
      c.tokensOut.inc(e.tokensOut);
    },
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

export type PromMetrics = ReturnType<typeof createPromMetrics>;
