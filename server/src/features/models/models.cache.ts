import type { CatalogError, CatalogModel } from '@pocketllm/contracts';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/** What one source (a provider, local endpoints, GGUF files) answered for one user. */
export interface SourceResult {
  models: CatalogModel[];
  errors: CatalogError[];
}

export interface ModelsCache {
  get(userId: string, source: string): Promise<SourceResult | undefined>;
  set(userId: string, source: string, value: SourceResult): Promise<void>;
  invalidate(userId: string, sources: readonly string[]): Promise<void>;
}

const keyOf = (userId: string, source: string) => `models:${userId}:${source}`;

function isSourceResult(v: unknown): v is SourceResult {
  return typeof v === 'object' && v !== null && 'models' in v && Array.isArray(v.models) && 'errors' in v;
}

/**
 * Per-user, per-source model lists with a TTL. With Redis every instance shares (and invalidates) one copy;
 * the in-process LRU always holds one too, and is what answers while Redis is unreachable.
 */
export function createModelsCache(opts: { ttlS: number; redis: Redis | null; logger: Logger }): ModelsCache {
  const { ttlS, redis, logger } = opts;
  const enabled = ttlS > 0;
  const lru = new LRUCache<string, SourceResult>({ max: 10_000, ttl: Math.max(ttlS, 1) * 1000 });
  const degraded = (err: unknown, op: string) =>
    logger.warn(
      { err: { message: err instanceof Error ? err.message : String(err) }, op },
      'models cache: redis failed',
    );

  return {
    async get(userId, source) {
      if (!enabled) return undefined;
      const key = keyOf(userId, source);
      if (redis) {
        try {
          const raw = await redis.get(key);
          if (raw === null) return undefined;
          const parsed: unknown = JSON.parse(raw);
          return isSourceResult(parsed) ? parsed : undefined;
        } catch (err) {
          degraded(err, 'get');
        }
      }
      return lru.get(key);
    },

    async set(userId, source, value) {
      if (!enabled) return;
      const key = keyOf(userId, source);
      lru.set(key, value);
      if (redis) await redis.set(key, JSON.stringify(value), 'EX', ttlS).catch((err) => degraded(err, 'set'));
    },

    async invalidate(userId, sources) {
      const keys = sources.map((s) => keyOf(userId, s));
      for (const key of keys) lru.delete(key);
      if (redis && keys.length) await redis.del(...keys).catch((err) => degraded(err, 'del'));
    },
  };
}
