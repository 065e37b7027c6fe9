import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Redis } from 'ioredis';

export type BusHandler = (payload: Record<string, unknown>) => void;

/**
 * Fan-out of small events to every instance: in process when alone, through Redis pub/sub when
 * REDIS_URL is set (session revocations, stream progress, job updates).
 */
export interface EventBus {
  publish(channel: string, payload: Record<string, unknown>): void;
  subscribe(channel: string, handler: BusHandler): () => void;
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
    close: async () => {
      emitter.removeAllListeners();
    },
  };
}

export function createRedisBus(publisher: Redis, logger: Logger): EventBus {
  // A subscribed connection can do nothing else, so it gets its own.
  const subscriber = publisher.duplicate();
  subscriber.on('error', () => {});
  const prefix = publisher.options.keyPrefix ?? '';
  const local = createMemoryBus();
  const counts = new Map<string, number>();
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
      if (n === 0) subscriber.subscribe(prefix + channel).catch(() => {});
      const off = local.subscribe(channel, handler);
      return () => {
        off();
        const left = (counts.get(channel) ?? 1) - 1;
        counts.set(channel, left);
        if (left === 0) {
          counts.delete(channel);
          subscriber.unsubscribe(prefix + channel).catch(() => {});
        }
      };
    },
    async close() {
      await local.close();
      subscriber.disconnect();
    },
  };
}
