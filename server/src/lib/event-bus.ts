import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Redis } from 'ioredis';

export type BusHandler = (payload: Record<string, unknown>) => void;

/** Whether events from other instances reach this one right now. */
export interface BusStatus {
  subscribed: boolean;
  /** Why not, when not. */
  reason?: string;
}

/**
 * Fan-out of small events to every instance: in process when alone, through Redis pub/sub when
 * REDIS_URL is set (session revocations, stream progress, job updates).
 */
export interface EventBus {
  publish(channel: string, payload: Record<string, unknown>): void;
  subscribe(channel: string, handler: BusHandler): () => void;
  status(): BusStatus;
  /**
   * Called each time the bus is subscribed again after a gap: events published meanwhile were lost, so
   * whoever caches what they invalidate (e.g. sessions) must drop that cache.
   */
  onResync(handler: () => void): () => void;
  close(): Promise<void>;
}

export function createMemoryBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: (channel, payload) => {
      emitter.emit(channel, payload);
    },
    subscribe(channel, handler) {
      emitter.on(channel, handler);
      return () => emitter.off(channel, handler);
    },
    status: () => ({ subscribed: true }),
    onResync: () => () => {},
    close: async () => {
      emitter.removeAllListeners();
    },
  };
}

const RETRY_MS = 1000;

export function createRedisBus(publisher: Redis, logger: Logger): EventBus {
  // A subscribed connection can do nothing else, so it gets its own. It inherits the publisher's fail-fast
  // options (no offline queue), so a SUBSCRIBE sent while it connects would be rejected: subscriptions are
  // sent only once it is ready, and sent again after every reconnect (ioredis' own resubscribe is off, it
  // needs the offline queue).
  const subscriber = publisher.duplicate({ autoResubscribe: false, enableAutoPipelining: false });
  const prefix = publisher.options.keyPrefix ?? '';
  const local = createMemoryBus();
  const counts = new Map<string, number>();
  const active = new Set<string>();
  const resyncHandlers = new Set<() => void>();
  let reason: string | undefined = 'connecting to redis';
  let wasSubscribed = false;
  let everSubscribed = false;
  let retry: NodeJS.Timeout | null = null;
  let closed = false;

  const isSubscribed = () => subscriber.status === 'ready' && [...counts.keys()].every((c) => active.has(c));

  // Logs each change between subscribed and not once, and tells caches after a gap.
  function settle() {
    const now = isSubscribed();
    if (now && !wasSubscribed) {
      reason = undefined;
      if (everSubscribed) logger.info('event bus subscribed again');
      everSubscribed = true;
      for (const h of resyncHandlers) h();
    } else if (!now && wasSubscribed && !closed) {
      logger.warn({ reason }, 'event bus not subscribed: events from other instances are lost until it is');
    }
    wasSubscribed = now;
  }

  function sync() {
    if (closed || subscriber.status !== 'ready') return;
    const missing = [...counts.keys()].filter((c) => !active.has(c));
    if (missing.length === 0) return settle();
    subscriber.subscribe(...missing.map((c) => prefix + c)).then(
      () => {
        for (const c of missing) if (counts.has(c)) active.add(c);
        settle();
      },
      (err: Error) => {
        reason = `subscribe failed: ${err.message}`;
        logger.error({ err: { message: err.message }, channels: missing }, 'event bus could not subscribe');
        settle();
        retry ??= setTimeout(() => {
          retry = null;
          sync();
        }, RETRY_MS);
        retry.unref();
      },
    );
  }

  subscriber.on('ready', sync);
  subscriber.on('error', (err: Error) => {
    reason = `redis: ${err.message}`;
  });
  subscriber.on('close', () => {
    // A new connection starts with no subscriptions.
    active.clear();
    reason ??= 'redis connection closed';
    settle();
  });
  subscriber.on('message', (fullChannel: string, message: string) => {
    try {
      local.publish(fullChannel.slice(prefix.length), JSON.parse(message));
    } catch (err) {
      logger.warn({ err }, 'dropped a malformed bus message');
    }
  });
  return {
    publish(channel, payload) {
      // Pub/sub channels are not key-prefixed by ioredis; prefix them ourselves.
      publisher.publish(prefix + channel, JSON.stringify(payload)).catch((err: Error) => {
        logger.warn({ err: { message: err.message }, channel }, 'bus publish failed');
      });
    },
    subscribe(channel, handler) {
      const n = counts.get(channel) ?? 0;
      counts.set(channel, n + 1);
      if (n === 0) sync();
      const off = local.subscribe(channel, handler);
      return () => {
        off();
        const left = (counts.get(channel) ?? 1) - 1;
        counts.set(channel, left);
        if (left === 0) {
          counts.delete(channel);
          active.delete(channel);
          // A lost UNSUBSCRIBE only brings messages nobody listens to; they are dropped.
          if (subscriber.status === 'ready') subscriber.unsubscribe(prefix + channel).catch(() => {});
        }
      };
    },
    status() {
      if (isSubscribed()) return { subscribed: true };
      return { subscribed: false, reason: reason ?? 'subscribing' };
    },
    onResync(handler) {
      resyncHandlers.add(handler);
      return () => resyncHandlers.delete(handler);
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await local.close();
      subscriber.disconnect();
    },
  };
}
