import type { UserEvent } from '@pocketllm/contracts';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { EventBus } from './event-bus.js';

/** One event of a user's log; `id` is what `Last-Event-ID` names ("<ms>-<seq>", increasing per user). */
export interface StoredEvent {
  id: string;
  event: UserEvent;
}

type Listener = (e: StoredEvent) => void;

/**
 * The per-user event log behind GET /v1/events: every service reports a change with one `publish` call
 * (never awaited, never a database query); this instance's connections `listen`, and a reconnecting one
 * replays what it missed with `since`.
 */
export interface UserEventLog {
  publish(userId: string, event: UserEvent): void;
  /** Events of `userId` as they are published, on any instance. */
  listen(userId: string, fn: Listener): () => void;
  /**
   * The events after `lastId`, or null when `lastId` is no longer in the log (the client must resync).
   * Rejects when the log cannot be read (Redis away).
   */
  since(userId: string, lastId: string): Promise<StoredEvent[] | null>;
  /** Called when events from other instances may have been lost (the bus was away). */
  onGap(fn: () => void): () => void;
}

const ID = /^(\d{1,16})-(\d{1,16})$/;

/** Orders two event ids; ids that are not ids sort first. */
export function compareEventIds(a: string, b: string): number {
  const ma = ID.exec(a);
  const mb = ID.exec(b);
  if (!ma || !mb) return ma ? 1 : mb ? -1 : 0;
  return Number(ma[1]) - Number(mb[1]) || Number(ma[2]) - Number(mb[2]);
}

function listeners() {
  const byUser = new Map<string, Set<Listener>>();
  return {
    add(userId: string, fn: Listener) {
      const set = byUser.get(userId) ?? new Set<Listener>();
      byUser.set(userId, set);
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0 && byUser.get(userId) === set) byUser.delete(userId);
      };
    },
    emit(userId: string, e: StoredEvent) {
      const set = byUser.get(userId);
      if (set) for (const fn of set) fn(e);
    },
  };
}

/** One instance alone: a bounded ring per user, in this process. */
export function createMemoryUserEventLog(opts: { logSize: number; maxUsers?: number }): UserEventLog {
  const rings = new LRUCache<string, StoredEvent[]>({ max: opts.maxUsers ?? 10_000 });
  const local = listeners();
  // Ids of an earlier process are unknown here: a client holding one gets a resync.
  const epoch = Date.now();
  let seq = 0;
  return {
    publish(userId, event) {
      const stored = { id: `${epoch}-${++seq}`, event };
      const ring = rings.get(userId) ?? [];
      rings.set(userId, ring);
      ring.push(stored);
      if (ring.length > opts.logSize) ring.splice(0, ring.length - opts.logSize);
      local.emit(userId, stored);
    },
    listen: (userId, fn) => local.add(userId, fn),
    async since(userId, lastId) {
      const ring = rings.get(userId) ?? [];
      const at = ring.findIndex((e) => e.id === lastId);
      return at < 0 ? null : ring.slice(at + 1);
    },
    onGap: () => () => {},
  };
}

/** The bus channel that carries every user's events to every instance (filtered per user there). */
export const USER_EVENTS_CHANNEL = 'user.events';
const DAY_MS = 24 * 3600 * 1000;

// Appends to the user's stream and announces it in one round trip; being one script, the order of the
// announcements is the order of the stream.
const APPEND = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], '{"u":"' .. ARGV[5] .. '","i":"' .. id .. '","e":' .. ARGV[2] .. '}')
return id`;

/**
 * Several instances: each user's log is a Redis stream (XADD MAXLEN ~), and every append is announced on
 * the bus (pub/sub), whose one subscribed connection per instance hands it to that user's connections here.
 */
export function createRedisUserEventLog(opts: {
  redis: Redis;
  bus: EventBus;
  logger: Logger;
  logSize: number;
}): UserEventLog {
  const { redis, bus, logger } = opts;
  const prefix = redis.options.keyPrefix ?? '';
  const keyOf = (userId: string) => `events:${userId}`;
  const local = listeners();
  bus.subscribe(USER_EVENTS_CHANNEL, (msg) => {
    const { u, i, e } = msg as { u?: unknown; i?: unknown; e?: unknown };
    if (typeof u === 'string' && typeof i === 'string' && e && typeof e === 'object')
      local.emit(u, { id: i, event: e as UserEvent });
  });
  return {
    publish(userId, event) {
      const json = JSON.stringify(event);
      redis
        .eval(APPEND, 1, keyOf(userId), opts.logSize, json, DAY_MS, prefix + USER_EVENTS_CHANNEL, userId)
        .catch((err: Error) => {
          // Redis is away: this instance's connections still hear it (without an id, so a reconnect resyncs).
          logger.warn({ err: { message: err.message }, event: event.event }, 'user event not logged');
          local.emit(userId, { id: '', event });
        });
    },
    listen: (userId, fn) => local.add(userId, fn),
    async since(userId, lastId) {
      if (!ID.exec(lastId)) return null;
      try {
        // Trimming is approximate (MAXLEN ~): more than logSize missed is a gap here too, as in the ring.
        const rows = await redis.xrange(keyOf(userId), lastId, '+', 'COUNT', opts.logSize + 2);
        if (rows[0]?.[0] !== lastId || rows.length > opts.logSize + 1) return null;
        return rows
          .slice(1)
          .map(([id, fields]) => ({ id, event: JSON.parse(fields[1] ?? '{}') as UserEvent }));
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'user event log unreadable');
        throw new Error('user event log unavailable');
      }
    },
    onGap: (fn) => bus.onResync(fn),
  };
}
