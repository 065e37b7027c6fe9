import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import type { EventBus } from '../../lib/event-bus.js';
import { createLocalConnectionRegistry, createRedisConnectionRegistry } from '../../lib/event-connections.js';
import { createMemoryUserEventLog, createRedisUserEventLog } from '../../lib/user-events.js';

export interface LiveEventsDeps {
  config: Config;
  redis: Redis | null;
  bus: EventBus;
  logger: Logger;
  events: DomainEvents;
}

/**
 * What `GET /v1/events` streams are made of: every change to a user's data, published once, for their streams
 * on every instance; and the per-user connection count, across every instance's connections when Redis is
 * configured (in this process otherwise). The domain events a user's streams hear are mapped here.
 */
export function createLiveEvents(deps: LiveEventsDeps) {
  const { logSize, maxConnectionsPerUser, maxLifetimeMs } = deps.config.events;
  const userEvents = deps.redis
    ? createRedisUserEventLog({ redis: deps.redis, bus: deps.bus, logger: deps.logger, logSize })
    : createMemoryUserEventLog({ logSize });
  deps.events.on('models.changed', ({ userId, provider }) => {
    if (provider === 'local') userEvents.publish(userId, { event: 'local_model.health', data: {} });
    else if (provider) userEvents.publish(userId, { event: 'provider.updated', data: { provider } });
  });
  const connections = deps.redis
    ? createRedisConnectionRegistry({
        redis: deps.redis,
        bus: deps.bus,
        logger: deps.logger,
        limit: maxConnectionsPerUser,
        heartbeatMs: deps.config.instanceHeartbeatMs,
        maxLifetimeMs,
      })
    : createLocalConnectionRegistry();
  return { userEvents, connections };
}
