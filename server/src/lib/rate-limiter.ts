import { isIPv4, isIPv6 } from 'node:net';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Redis } from 'ioredis';

/** One counted request: how many in the current window (this one included) and when the window ends. */
export interface Hit {
  count: number;
  resetInMs: number;
}

/**
 * INCR and the window's expiry in one round trip. A key found without an expiry (written by something
 * else, or an expiry lost) gets one, so a counter can never lock a key out for ever.
 */
const HIT_SCRIPT = `
local by = tonumber(ARGV[2] or '1')
local count = redis.call('INCRBY', KEYS[1], by)
if count == by then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/**
 * `hitBatched`: how long hits are counted in process before they go to Redis together (one pipelined round
 * trip per interval, not one per request), below what fraction of the limit, and from what limit on (a small
 * limit is counted exactly on every request: its requests are few and each one matters).
 */
export const BATCH_SYNC_MS = 100;
export const BATCH_BELOW_SHARE = 0.8;
export const BATCH_MIN_LIMIT = 100;

interface Batched {
  /** The shared count Redis gave at the last sync, and our hits since, not yet sent. */
  shared: number;
  pending: number;
  resetAt: number;
  windowMs: number;
}

/** Expired in-process windows are dropped at most this often, so the map holds about one window of keys. */
const SWEEP_EVERY_MS = 10_000;

/**
 * After a failed command (a Redis that hangs keeps its connection "ready" and every command waits for the
 * client's timeout), Redis is left alone this long, so limited routes do not each pay that timeout.
 */
export const REDIS_RETRY_MS = 5_000;

/**
 * Fixed-window counters. With Redis they live there under `REDIS_PREFIX` + `ratelimit:` + key, shared by
 * every instance; without Redis, or while it is unreachable, they are counted in this process (each
 * instance then limits on its own — weaker, but a limit, where skipping would leave none).
 */
export class RateLimiter {
  private readonly local = new Map<string, { count: number; resetAt: number }>();
  private readonly batched = new Map<string, Batched>();
  private syncTimer: NodeJS.Timeout | null = null;
  private lastSweep = 0;
  private degraded = false;
  private redisRetryAt = 0;

  constructor(
    private readonly redis: Redis | null,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request against `key` in a window of `windowMs`. Never throws. */
  hit(key: string, windowMs: number): Promise<Hit> {
    return this.hitBy(key, windowMs, 1);
  }

  /**
   * Like `hit` for a high-rate key checked against `limit` (the API keys' per-minute limit): while the key is
   * well below its limit (under BATCH_BELOW_SHARE of it, by the shared count of the last sync plus our own
   * hits since), hits are counted here and sent to Redis together every BATCH_SYNC_MS; near the limit, or for
   * a limit under BATCH_MIN_LIMIT, every hit goes to Redis as in `hit`. The limit stays one count shared by
   * every instance; the error: an instance can admit past the limit at most what it serves of that key in one
   * sync interval, and only when the others took the shared count from under 80 % to over 100 % of the limit
   * within that interval. Never throws.
   */
  async hitBatched(key: string, windowMs: number, limit: number): Promise<Hit> {
    const now = this.now();
    const b = this.batched.get(key);
    const usable =
      this.redis?.status === 'ready' &&
      now >= this.redisRetryAt &&
      limit >= BATCH_MIN_LIMIT &&
      b !== undefined &&
      b.resetAt > now &&
      b.shared + b.pending + 1 < limit * BATCH_BELOW_SHARE;
    if (!usable || !b) {
      const pending = b && b.resetAt > now ? b.pending : 0;
      const hit = await this.hitBy(key, windowMs, pending + 1);
      if (this.redis && !this.degraded)
        this.batched.set(key, { shared: hit.count, pending: 0, resetAt: now + hit.resetInMs, windowMs });
      return hit;
    }
    b.pending += 1;
    if (!this.syncTimer) {
      this.syncTimer = setTimeout(() => void this.syncBatched(), BATCH_SYNC_MS);
      this.syncTimer.unref();
    }
    return { count: b.shared + b.pending, resetInMs: b.resetAt - now };
  }

  /** Sends every key's pending hits in one pipeline; the replies are the new shared counts. Never throws. */
  async syncBatched(): Promise<void> {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    const now = this.now();
    const due: [string, Batched, number][] = [];
    for (const [key, b] of this.batched) {
      if (b.resetAt <= now) this.batched.delete(key);
      else if (b.pending > 0) due.push([key, b, b.pending]);
    }
    const redis = this.redis;
    if (!redis || due.length === 0) return;
    for (const [, b] of due) b.pending = 0;
    try {
      const pipe = redis.pipeline();
      for (const [key, b, n] of due) pipe.eval(HIT_SCRIPT, 1, `ratelimit:${key}`, b.windowMs, n);
      const replies = (await pipe.exec()) ?? [];
      due.forEach(([, b], i) => {
        const [err, reply] = replies[i] ?? [null, null];
        if (err || !Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number')
          return;
        // Our hits made after this sync was sent are still pending on top of the new shared count.
        b.shared = reply[0];
        b.resetAt = this.now() + reply[1];
      });
      this.markRedis(true);
    } catch (err) {
      // The hits are lost to the shared count; the next hit of each key goes the exact way (and local if down).
      this.batched.clear();
      this.redisRetryAt = this.now() + REDIS_RETRY_MS;
      this.markRedis(false, err);
    }
  }

  /** `hit`, counting `by` at once. */
  private async hitBy(key: string, windowMs: number, by: number): Promise<Hit> {
    if (this.redis) {
      if (this.redis.status === 'ready' && this.now() >= this.redisRetryAt) {
        try {
          const hit = await this.redisHit(this.redis, key, windowMs, by);
          this.markRedis(true);
          return hit;
        } catch (err) {
          this.redisRetryAt = this.now() + REDIS_RETRY_MS;
          this.markRedis(false, err);
        }
      } else {
        this.markRedis(false);
      }
    }
    return this.localHit(key, windowMs);
  }

  private async redisHit(redis: Redis, key: string, windowMs: number, by = 1): Promise<Hit> {
    const reply: unknown = await redis.eval(HIT_SCRIPT, 1, `ratelimit:${key}`, windowMs, by);
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw new Error('unexpected rate-limit script reply');
    }
    return { count: reply[0], resetInMs: reply[1] };
  }

  private localHit(key: string, windowMs: number): Hit {
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      for (const [k, w] of this.local) if (w.resetAt <= now) this.local.delete(k);
    }
    let window = this.local.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.local.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  /** Logs each switch once (not once per request) so an outage is one line, and so is the recovery. */
  private markRedis(ok: boolean, err?: unknown) {
    if (ok === !this.degraded) return;
    this.degraded = !ok;
    if (ok) {
      this.logger.info('rate limits counted in Redis again');
    } else {
      const message = err instanceof Error ? err.message : 'not connected';
      this.logger.warn({ err: { message } }, 'redis unavailable; counting rate limits in process');
    }
  }
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 becomes the last two). */
function hextets(ip: string): number[] {
  let text = ip;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => Number.parseInt(g, 16) || 0);
}

/**
 * The address a per-IP limit counts: an IPv4 address as it is, an IPv6 one by its /64 (one subscriber
 * usually holds a whole /64, so per-address counting would give them 2^64 tries). IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, what a dual-stack socket reports) counts as the IPv4 address.
 */
export function addressKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  const bare = ip.split('%')[0] ?? ip;
  if (!isIPv6(bare)) return ip;
  const h = hextets(bare.toLowerCase());
  if (h.slice(0, 5).every((g) => g === 0) && h[5] === 0xffff) {
    const [hi = 0, lo = 0] = h.slice(6);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `${h
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
