import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export interface CachedAnswer {
  content: string;
  tokensIn: number;
  tokensOut: number;
  finishReason: string;
  createdAt: number;
}

/** A prompt remembered for the similarity step: its tokens (and embedding), and the entry it answers. */
export interface Candidate {
  key: string;
  tokens: string[];
  embedding?: number[];
}

export interface StatsDelta {
  hits?: number;
  misses?: number;
  semanticHits?: number;
}
export interface Stats {
  hits: number;
  misses: number;
  semanticHits: number;
  entries: number;
}

/** Where answers live: Redis when configured (shared by instances), else a bounded in-process LRU. */
export interface CacheStore {
  get(key: string): Promise<CachedAnswer | undefined>;
  set(owner: string, key: string, answer: CachedAnswer, bucket: string, candidate: Candidate): Promise<void>;
  candidates(bucket: string): Promise<Candidate[]>;
  count(owner: string, delta: StatsDelta): Promise<void>;
  stats(owner: string): Promise<Stats>;
  /** Drops an owner's entries, or every entry when `owner` is null. */
  clear(owner: string | null): Promise<void>;
}

// The similarity step compares against at most this many recent prompts of one context.
export const MAX_CANDIDATES = 200;

export function createMemoryStore(opts: { maxEntries: number; ttlS: number }): CacheStore {
  const ttl = opts.ttlS * 1000;
  const owners = new Map<string, Set<string>>();
  const entries = new LRUCache<string, { owner: string; answer: CachedAnswer }>({
    max: opts.maxEntries,
    ttl,
    dispose: (v, k) => owners.get(v.owner)?.delete(k),
  });
  const buckets = new LRUCache<string, Candidate[]>({
    max: Math.max(100, Math.ceil(opts.maxEntries / 4)),
    ttl,
  });
  const stats = new Map<string, Stats>();
  const statsOf = (owner: string) => {
    let s = stats.get(owner);
    if (!s) {
      s = { hits: 0, misses: 0, semanticHits: 0, entries: 0 };
      stats.set(owner, s);
    }
    return s;
  };
  return {
    get: async (key) => entries.get(key)?.answer,
    async set(owner, key, answer, bucket, candidate) {
      entries.set(key, { owner, answer });
      const keys = owners.get(owner) ?? new Set<string>();
      owners.set(owner, keys);
      keys.add(key);
      const list = (buckets.get(bucket) ?? []).filter((c) => c.key !== key);
      list.unshift(candidate);
      buckets.set(bucket, list.slice(0, MAX_CANDIDATES));
    },
    candidates: async (bucket) => (buckets.get(bucket) ?? []).filter((c) => entries.has(c.key)),
    async count(owner, d) {
      const s = statsOf(owner);
      s.hits += d.hits ?? 0;
      s.misses += d.misses ?? 0;
      s.semanticHits += d.semanticHits ?? 0;
    },
    async stats(owner) {
      const keys = owners.get(owner);
      let live = 0;
      for (const k of keys ?? []) if (entries.has(k)) live++;
      return { ...statsOf(owner), entries: live };
    },
    async clear(owner) {
      if (owner === null) {
        entries.clear();
        buckets.clear();
        owners.clear();
        return;
      }
      for (const k of [...(owners.get(owner) ?? [])]) entries.delete(k);
      owners.delete(owner);
    },
  };
}

export function createRedisStore(redis: Redis, opts: { ttlS: number }): CacheStore {
  const ttl = opts.ttlS;
  const entryKey = (k: string) => `cache:e:${k}`;
  const bucketKey = (b: string) => `cache:b:${b}`;
  const ownerKey = (o: string) => `cache:o:${o}`;
  const statsKey = (o: string) => `cache:s:${o}`;
  return {
    async get(key) {
      const raw = await redis.get(entryKey(key));
      return raw ? (JSON.parse(raw) as CachedAnswer) : undefined;
    },
    async set(owner, key, answer, bucket, candidate) {
      await redis
        .multi()
        .set(entryKey(key), JSON.stringify(answer), 'EX', ttl)
        .sadd(ownerKey(owner), key)
        .expire(ownerKey(owner), ttl)
        .lpush(bucketKey(bucket), JSON.stringify(candidate))
        .ltrim(bucketKey(bucket), 0, MAX_CANDIDATES - 1)
        .expire(bucketKey(bucket), ttl)
        .exec();
    },
    async candidates(bucket) {
      const raw = await redis.lrange(bucketKey(bucket), 0, MAX_CANDIDATES - 1);
      return raw.map((r) => JSON.parse(r) as Candidate);
    },
    async count(owner, d) {
      const m = redis.multi();
      if (d.hits) m.hincrby(statsKey(owner), 'hits', d.hits);
      if (d.misses) m.hincrby(statsKey(owner), 'misses', d.misses);
      if (d.semanticHits) m.hincrby(statsKey(owner), 'semanticHits', d.semanticHits);
      await m.exec();
    },
    async stats(owner) {
      const [s, keys] = await Promise.all([redis.hgetall(statsKey(owner)), redis.smembers(ownerKey(owner))]);
      const live = keys.length ? await redis.exists(...keys.map(entryKey)) : 0;
      return {
        hits: Number(s.hits ?? 0),
        misses: Number(s.misses ?? 0),
        semanticHits: Number(s.semanticHits ?? 0),
        entries: live,
      };
    },
    async clear(owner) {
      if (owner !== null) {
        const keys = await redis.smembers(ownerKey(owner));
        if (keys.length) await redis.del(...keys.map(entryKey));
        await redis.del(ownerKey(owner));
        return;
      }
      const prefix = redis.options.keyPrefix ?? '';
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}cache:[ebo]:*`, 'COUNT', 500);
        cursor = next;
        // SCAN returns full names; DEL adds the prefix again, so strip it.
        if (found.length) await redis.del(...found.map((k) => k.slice(prefix.length)));
      } while (cursor !== '0');
    },
  };
}
