import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Redis } from 'ioredis';
import type { EventBus } from './event-bus.js';
import type { Managed } from './lifecycle.js';

/**
 * Where a user's GET /v1/events connections are counted against EVENTS_MAX_CONNECTIONS_PER_USER. Each
 * instance enforces the limit on its own connections in process; with Redis this also counts those of
 * every other instance, and tells the owner of the oldest to close it.
 */
export interface ConnectionRegistry {
  /** Counts a new connection of `userId`; over the limit, the oldest ones (on any instance) are closed. */
  add(userId: string, connId: string): void;
  /** The connection ended (any reason). */
  remove(userId: string, connId: string): void;
  /** `fn(connId)` is called when another instance displaced one of this instance's connections. */
  onDisplaced(fn: (connId: string) => void): void;
  managed: Managed;
}

/** One instance alone: the in-process limit of events.service is the whole story. */
export function createLocalConnectionRegistry(): ConnectionRegistry {
  return { add() {}, remove() {}, onDisplaced() {}, managed: { name: 'event-connections' } };
}

export const CLOSE_CONNECTION_CHANNEL = 'events.close';

// Adds the connection, drops those of instances whose liveness key expired (crashed: their connections are
// gone, they must not count), then removes and returns the oldest beyond the limit. Members are
// "<instance>|<connection>", scored by when they opened.
const ADD = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local all = redis.call('ZRANGE', KEYS[1], 0, -1)
local limit = tonumber(ARGV[3])
if #all <= limit then return {} end
local alive = {}
local known = {}
for _, m in ipairs(all) do
  local inst = string.match(m, '^([^|]+)|')
  if known[inst] == nil then known[inst] = redis.call('EXISTS', ARGV[4] .. inst) == 1 end
  if known[inst] then table.insert(alive, m) else redis.call('ZREM', KEYS[1], m) end
end
local out = {}
for i = 1, #alive - limit do
  redis.call('ZREM', KEYS[1], alive[i])
  table.insert(out, alive[i])
end
return out`;

/**
 * Several instances: a per-user sorted set of connections in Redis. Each instance keeps a liveness key
 * (refreshed every heartbeat, expiring after three), so the connections of a crashed instance stop counting
 * once it expires instead of displacing live ones forever; the set itself expires after the longest a stream
 * may live.
 */
export function createRedisConnectionRegistry(opts: {
  redis: Redis;
  bus: EventBus;
  logger: Logger;
  limit: number;
  heartbeatMs: number;
  maxLifetimeMs: number;
}): ConnectionRegistry {
  const { redis, bus, logger, limit, heartbeatMs } = opts;
  const instance = randomUUID();
  const prefix = redis.options.keyPrefix ?? '';
  const aliveKey = `events:instance:${instance}`;
  const setKey = (userId: string) => `events:conns:${userId}`;
  const handlers: ((connId: string) => void)[] = [];
  let last = 0;
  let timer: NodeJS.Timeout | null = null;
  const warn = (what: string) => (err: Error) =>
    logger.warn({ err: { message: err.message } }, `events connection registry: ${what} failed`);
  const beat = () => redis.set(aliveKey, '1', 'PX', heartbeatMs * 3).catch(warn('heartbeat'));

  const displace = (member: string) => {
    const [inst, connId] = member.split('|');
    if (!connId) return;
    if (inst === instance) for (const h of handlers) h(connId);
    else bus.publish(CLOSE_CONNECTION_CHANNEL, { i: inst, c: connId });
  };
  bus.subscribe(CLOSE_CONNECTION_CHANNEL, (msg) => {
    if (msg.i === instance && typeof msg.c === 'string') for (const h of handlers) h(msg.c);
  });
  // Liveness from the start: a connection may be accepted before the lifecycle runs `start`.
  void beat();

  return {
    add(userId, connId) {
      // Strictly increasing on this instance, so two connections opened in one millisecond keep their order.
      last = Math.max(Date.now(), last + 0.001);
      redis
        .eval(
          ADD,
          1,
          setKey(userId),
          `${instance}|${connId}`,
          last,
          limit,
          `${prefix}events:instance:`,
          Math.max(opts.maxLifetimeMs, heartbeatMs * 3) + 60_000,
        )
        .then((out) => {
          for (const m of (out as string[]) ?? []) displace(m);
        }, warn('add'));
    },
    remove(userId, connId) {
      redis.zrem(setKey(userId), `${instance}|${connId}`).catch(warn('remove'));
    },
    onDisplaced(fn) {
      handlers.push(fn);
    },
    managed: {
      name: 'event-connections',
      start() {
        timer = setInterval(beat, heartbeatMs);
        timer.unref();
      },
      async stop() {
        if (timer) clearInterval(timer);
        await redis.del(aliveKey).catch(warn('stop'));
      },
    },
  };
}
