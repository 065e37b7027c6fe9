import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { UserEvent } from '@pocketllm/contracts';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createMemoryBus } from '../../lib/event-bus.js';
import { createLocalConnectionRegistry } from '../../lib/event-connections.js';
import { compareEventIds, createMemoryUserEventLog } from '../../lib/user-events.js';
import { createLogger } from '../../plugins/logger.js';
import { AUTH_INVALIDATE, type Principal } from '../auth/auth.service.js';
import { createEventsService, type EventStream } from './events.service.js';

/** A stream whose client reads only when told to (`take`), so a slow reader can be played exactly. */
function slowStream() {
  const sent: { event: UserEvent; id: string | number | undefined }[] = [];
  const drains: (() => void)[] = [];
  const closes: (() => void)[] = [];
  let buffered = 0;
  let closed = false;
  const sse: EventStream = {
    send(event, id) {
      if (closed) return;
      sent.push({ event, id });
      buffered += JSON.stringify(event).length;
    },
    end() {
      if (closed) return;
      closed = true;
      for (const fn of closes) fn();
    },
    get closed() {
      return closed;
    },
    onClose: (fn) => closes.push(fn),
    get buffered() {
      return buffered;
    },
    onDrain: (fn) => drains.push(fn),
    flush: () => {},
  };
  const take = () => {
    buffered = 0;
    for (const fn of drains.splice(0)) fn();
  };
  return { sse, sent, take };
}

function setup(env: Record<string, string> = {}) {
  const { config } = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pocketllm-events-')),
    JWT_SECRET: 'test-jwt-secret-that-is-long-enough-0123456789',
    ENCRYPTION_KEY: 'test-encryption-key-that-is-long-enough-0123',
    ...env,
  });
  const bus = createMemoryBus();
  const log = createMemoryUserEventLog({ logSize: config.events.logSize });
  let valid = true;
  const auth = {
    authenticate: async (): Promise<Principal> => {
      if (!valid) throw new Error('revoked');
      return { userId: 'u1', sessionId: 's1', role: 'user' };
    },
  };
  const service = createEventsService({
    config,
    bus,
    log,
    auth,
    registry: createLocalConnectionRegistry(),
    logger: createLogger('silent'),
  });
  const revoke = () => {
    valid = false;
  };
  return { service, bus, log, revoke };
}

const chat = (title: string): UserEvent => ({
  event: 'chat.created',
  data: {
    chat: {
      id: '00000000-0000-4000-8000-000000000001',
      title,
      model_config_id: null,
      system_prompt: null,
      message_count: 0,
      created_at: new Date(0).toISOString(),
      updated_at: new Date(0).toISOString(),
    },
  },
});
const principal: Principal = { userId: 'u1', sessionId: 's1', role: 'user' };

describe('events service', () => {
  it('drops a slow reader to one resync instead of buffering without end, then carries on', async () => {
    const { service, log } = setup({ EVENTS_MAX_BUFFER_KB: '16' });
    const client = slowStream();
    void service.open(principal, 'token', undefined, client.sse);
    for (let i = 0; i < 200; i++) log.publish('u1', chat(`${i} ${'x'.repeat(180)}`));
    // Roughly 16 KB of them were written; the rest were not queued.
    const written = client.sent.length;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(100);
    client.take();
    expect(client.sent.at(-1)?.event).toEqual({ event: 'resync', data: { reason: 'overflow' } });
    log.publish('u1', chat('after'));
    expect(client.sent.at(-1)?.event).toEqual(chat('after'));
    expect(client.sent).toHaveLength(written + 2);
  });

  it("re-checks a connection's token on a user-wide revocation, and closes it when the session is gone", async () => {
    const { service, bus, revoke } = setup();
    const client = slowStream();
    const done = service.open(principal, 'token', undefined, client.sse);
    bus.publish(AUTH_INVALIDATE, { userId: 'u1' });
    await new Promise((r) => setTimeout(r, 10));
    expect(client.sse.closed).toBe(false);
    revoke();
    bus.publish(AUTH_INVALIDATE, { userId: 'u1' });
    await done;
    expect(client.sse.closed).toBe(true);
    expect(service.size).toBe(0);
  });

  it('keeps a bounded ring per user with increasing ids', async () => {
    const log = createMemoryUserEventLog({ logSize: 3 });
    const heard: string[] = [];
    log.listen('u1', (e) => heard.push(e.id));
    for (let i = 0; i < 5; i++) log.publish('u1', chat(String(i)));
    expect(heard).toHaveLength(5);
    for (let i = 1; i < heard.length; i++)
      expect(compareEventIds(heard[i] ?? '', heard[i - 1] ?? '')).toBeGreaterThan(0);
    expect(await log.since('u1', heard[0] ?? '')).toBeNull();
    expect((await log.since('u1', heard[2] ?? ''))?.map((e) => e.id)).toEqual(heard.slice(3));
    expect(await log.since('u2', heard[4] ?? '')).toBeNull();
  });
});
