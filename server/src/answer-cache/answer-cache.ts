import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { type CacheKeyInput, type PreparedLookup, prepareKey } from './cache-key.js';
import { cosine, lexicalSimilarity } from './similarity.js';
import {
  type CachedAnswer,
  type CacheStore,
  createMemoryStore,
  createRedisStore,
  type StatsDelta,
} from './store.js';

export type { CachedAnswer, CacheKeyInput, PreparedLookup };

export interface CacheHit {
  answer: CachedAnswer;
  semantic: boolean;
}

/** Turns texts into vectors with the user's embedding provider, or null when none is usable. */
export type Embedder = (userId: string, texts: string[]) => Promise<number[][] | null>;

export function createAnswerCache(deps: {
  config: Config;
  redis: Redis | null;
  logger: FastifyBaseLogger;
  embed?: Embedder;
}) {
  const { config, logger } = deps;
  const store: CacheStore = deps.redis
    ? createRedisStore(deps.redis, { ttlS: config.cache.ttlS })
    : createMemoryStore({ maxEntries: config.cache.maxEntries, ttlS: config.cache.ttlS });
  let warned = false;
  const degrade = (err: unknown) => {
    if (!warned)
      logger.warn(
        { err: { message: err instanceof Error ? err.message : String(err) } },
        'answer cache unavailable; treating as misses',
      );
    warned = true;
  };
  const ok = () => {
    warned = false;
  };

  return {
    /** Computes the exact key and the similarity bucket (same scope and context, any prompt). */
    prepare: (input: CacheKeyInput): PreparedLookup => prepareKey(input, config.cache.scope),

    /** An exact hit, else a similar prompt's answer above the threshold; null on a miss or when the store is down. */
    async lookup(prep: PreparedLookup, prompt: string): Promise<CacheHit | null> {
      // Hit/miss counters are not waited for: they only feed the stats, and one Redis connection keeps them
      // in order before any later stats read.
      const count = (delta: StatsDelta) => void store.count(prep.userId, delta).catch(degrade);
      try {
        const exact = await store.get(prep.key);
        if (exact) {
          count({ hits: 1 });
          ok();
          return { answer: exact, semantic: false };
        }
        const candidates = await store.candidates(prep.bucket);
        let best: { key: string; score: number } | null = null;
        if (candidates.length) {
          const vectors = deps.embed ? await deps.embed(prep.userId, [prompt]).catch(() => null) : null;
          if (vectors?.[0]) prep.embedding = vectors[0];
          for (const c of candidates) {
            const score =
              prep.embedding && c.embedding
                ? cosine(prep.embedding, c.embedding)
                : lexicalSimilarity(prep.tokens, c.tokens);
            if (score >= config.cache.similarityThreshold && (!best || score > best.score))
              best = { key: c.key, score };
          }
        }
        const similar = best ? await store.get(best.key) : undefined;
        count(similar ? { hits: 1, semanticHits: 1 } : { misses: 1 });
        ok();
        return similar ? { answer: similar, semantic: true } : null;
      } catch (err) {
        degrade(err);
        return null;
      }
    },

    /** Remembers an answer for the TTL. Never throws. */
    async store(prep: PreparedLookup, prompt: string, answer: CachedAnswer): Promise<void> {
      try {
        let embedding = prep.embedding;
        if (!embedding && deps.embed)
          embedding = (await deps.embed(prep.userId, [prompt]).catch(() => null))?.[0];
        await store.set(prep.userId, prep.key, answer, prep.bucket, {
          key: prep.key,
          tokens: prep.tokens,
          ...(embedding ? { embedding } : {}),
        });
        ok();
      } catch (err) {
        degrade(err);
      }
    },

    async stats(userId: string) {
      const s = await store.stats(userId).catch((err: unknown) => {
        degrade(err);
        return { hits: 0, misses: 0, semanticHits: 0, entries: 0 };
      });
      const total = s.hits + s.misses;
      return {
        hits: s.hits,
        misses: s.misses,
        hit_rate: total ? s.hits / total : 0,
        entries: s.entries,
        semantic_hits: s.semanticHits,
      };
    },

    /** Clears the caller's entries, or every entry when `userId` is null (admins). */
    clear: (userId: string | null) => store.clear(userId),
  };
}

export type AnswerCache = ReturnType<typeof createAnswerCache>;
