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
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

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
  private lastSweep = 0;
  private degraded = false;
  private redisRetryAt = 0;

  constructor(
    private readonly redis: Redis | null,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request against `key` in a window of `windowMs`. Never throws. */
  async hit(key: string, windowMs: number): Promise<Hit> {
    if (this.redis) {
      // Not ready means commands would be refused at once (no offline queue): skip the attempt.
      if (this.redis.status === 'ready' && this.now() >= this.redisRetryAt) {
        try {
          const hit = await this.redisHit(this.redis, key, windowMs);
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

  private async redisHit(redis: Redis, key: string, windowMs: number): Promise<Hit> {
    const reply: unknown = await redis.eval(HIT_SCRIPT, 1, `ratelimit:${key}`, windowMs);
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
