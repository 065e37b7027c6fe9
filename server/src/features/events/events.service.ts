import { randomUUID } from 'node:crypto';
import type { UserEvent } from '@pocketllm/contracts';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Config } from '../../config.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { ConnectionRegistry } from '../../lib/event-connections.js';
import type { SseStream } from '../../lib/sse.js';
import { compareEventIds, type StoredEvent, type UserEventLog } from '../../lib/user-events.js';
import { AUTH_INVALIDATE, type AuthService, type Principal } from '../auth/auth.service.js';

export type EventStream = SseStream<UserEvent>;

interface Connection {
  id: string;
  userId: string;
  sessionId: string | null;
  token: string | undefined;
  sse: EventStream;
  close(): void;
}

export interface EventsDeps {
  config: Config;
  bus: EventBus;
  log: UserEventLog;
  /** Counts the user's connections across instances (Redis) so the limit holds there too. */
  registry: ConnectionRegistry;
  /** Checks a connection's token again after a user-wide revocation. */
  auth: Pick<AuthService, 'authenticate'>;
  logger: Logger;
}

/**
 * The connections of GET /v1/events on this instance: each hears its user's events live (after replaying
 * what it missed), is closed at once when its session is revoked on any instance, and is bounded — a few per
 * user (the oldest closed first), and a slow reader is dropped to one `resync` instead of buffered without end.
 */
export function createEventsService(deps: EventsDeps) {
  const { config, log, auth, logger, registry } = deps;
  const limits = config.events;
  const byUser = new Map<string, Connection[]>();
  const byId = new Map<string, Connection>();

  function remove(c: Connection) {
    byId.delete(c.id);
    registry.remove(c.userId, c.id);
    const list = byUser.get(c.userId);
    if (!list) return;
    const left = list.filter((x) => x !== c);
    if (left.length) byUser.set(c.userId, left);
    else byUser.delete(c.userId);
  }

  // Revocations travel on the bus from whichever instance made them. A user-wide one (password change keeps
  // the caller's session; disable, deletion) is checked again per connection: the session cache is dropped.
  deps.bus.subscribe(AUTH_INVALIDATE, (msg) => {
    if (typeof msg.sessionId === 'string') {
      for (const list of byUser.values()) for (const c of list) if (c.sessionId === msg.sessionId) c.close();
    }
    if (typeof msg.userId === 'string') {
      for (const c of byUser.get(msg.userId) ?? []) {
        if (!c.token) continue;
        auth.authenticate(c.token).then(
          (p) => p.sessionId !== c.sessionId && c.close(),
          () => c.close(),
        );
      }
    }
  });
  // Another instance accepted a newer connection of a user over the limit: this one was their oldest.
  registry.onDisplaced((id) => byId.get(id)?.close());
  // Events of other instances published while the bus was away are lost: every client refetches.
  log.onGap(() => {
    for (const list of byUser.values())
      for (const c of list) c.sse.send({ event: 'resync', data: { reason: 'gap' } });
  });

  return {
    /**
     * Serves one events stream until the client leaves, its session ends, it is displaced by a newer one, or
     * its lifetime ends. `lastId` (Last-Event-ID) replays the missed events, or sends `resync` if too old.
     */
    async open(
      principal: Principal,
      token: string | undefined,
      lastId: string | undefined,
      sse: EventStream,
    ) {
      const { userId } = principal;
      let lastSent = lastId ?? '';
      let overflowed = false;
      let replaying = true;
      const pending: StoredEvent[] = [];

      const deliver = (e: StoredEvent) => {
        if (sse.closed) return;
        if (overflowed) return;
        if (sse.buffered > limits.maxBufferBytes) {
          // Unsent bytes piled up: stop queueing; once the client has read them it is told to refetch.
          overflowed = true;
          sse.onDrain(() => {
            overflowed = false;
            sse.send({ event: 'resync', data: { reason: 'overflow' } });
          });
          return;
        }
        if (e.id) {
          if (lastSent && compareEventIds(e.id, lastSent) <= 0) return;
          lastSent = e.id;
        }
        sse.send(e.event, e.id || undefined);
      };

      const off = log.listen(userId, (e) => (replaying ? pending.push(e) : deliver(e)));
      const timer = setTimeout(() => conn.close(), limits.maxLifetimeMs);
      timer.unref();
      const conn: Connection = {
        id: randomUUID(),
        userId,
        sessionId: principal.sessionId,
        token,
        sse,
        close: () => sse.end(),
      };
      const list = byUser.get(userId) ?? [];
      list.push(conn);
      byUser.set(userId, list);
      byId.set(conn.id, conn);
      // The oldest go first when the user holds too many: here, then counting every instance's.
      // (Dropped from the shared count before this one is added, so Redis does not displace another for it.)
      for (const old of list.splice(0, Math.max(0, list.length - limits.maxConnectionsPerUser))) {
        byId.delete(old.id);
        registry.remove(userId, old.id);
        old.close();
      }
      registry.add(userId, conn.id);

      const done = new Promise<void>((resolve) => {
        sse.onClose(() => {
          off();
          clearTimeout(timer);
          remove(conn);
          resolve();
        });
      });

      if (lastId) {
        const missed = await log.since(userId, lastId).catch(() => undefined);
        if (!missed) {
          sse.send({ event: 'resync', data: { reason: missed === null ? 'gap' : 'unavailable' } });
          lastSent = '';
        } else for (const e of missed) deliver(e);
      }
      replaying = false;
      for (const e of pending.splice(0)) deliver(e);
      logger.debug({ user_id: userId, connections: list.length }, 'events stream opened');
      return done;
    },

    /** Open event streams on this instance (all users). */
    get size() {
      let n = 0;
      for (const list of byUser.values()) n += list.length;
      return n;
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
