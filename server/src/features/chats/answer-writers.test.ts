import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { insertChat } from '../../../test/helpers/chat-rows.js';
import { activateOpenAI, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { parseSse, type SseEvent } from '../../../test/helpers/sse.js';
import { instances, messages } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';

// Answers must never stay 'streaming' once nobody writes them: a dead instance, a writer whose database
// write failed, or a shutdown that outlived its grace.

const BROKEN = 'UNSTORABLE';
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;

async function until(check: () => Promise<boolean>, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rowOf = async (id: string) => {
  return returnedRow(
    await t.app.ctx.db.select().from(messages).where(eq(messages.id, id)),
    'no such message',
  );
};

/** A streaming answer written straight to the database, as a writer (maybe long dead) left it. */
async function orphan(writerId: string | null, secondsAgo: number, content = 'half an ans') {
  const updatedAt = new Date(Date.now() - secondsAgo * 1000);
  const { messages: rows } = await insertChat(t.app.ctx.db, alice.id, [
    { role: 'user', content: 'q', status: 'completed' },
    { role: 'assistant', content, status: 'streaming', writerId, updatedAt },
  ]);
  const row = rows[1];
  if (!row) throw new Error('insert');
  return row.id;
}

function answerIdOf(events: SseEvent[]): string {
  const msg = events.find((e) => e.event === 'message.created')?.data.assistant_message;
  if (!msg || typeof msg !== 'object' || !('id' in msg) || typeof msg.id !== 'string') {
    throw new Error('no message.created event');
  }
  return msg.id;
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'fine', chunks: 2 });
  t = await buildTestApp({ env: { INSTANCE_HEARTBEAT_S: '1' }, startLifecycle: true });
  alice = await registerUser(t.app);
  await activateOpenAI(t.app, alice, fake.url, 'sk-test-0123456789abcdef');
  // A database that refuses some text, as PostgreSQL refuses NUL: any failing write of the writer will do.
  await t.app.ctx.db.execute(
    sql.raw(`
    create function refuse_marker() returns trigger language plpgsql as $$
    begin
      if new.content like '%${BROKEN}%' then raise exception 'refused by the test'; end if;
      return new;
    end $$`),
  );
  await t.app.ctx.db.execute(
    sql.raw(
      'create trigger refuse_marker before update on messages for each row execute function refuse_marker()',
    ),
  );
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

const newChat = async () =>
  json<{ id: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/chats', headers: alice.headers, payload: {} }),
  ).id;

describe('a writer whose database write fails', () => {
  it('ends the answer failed (text last saved kept) and tells the client so, never completed', async () => {
    fake.reset();
    fake.configure({ reply: `some text then ${BROKEN} more` });
    const chatId = await newChat();
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: alice.headers,
      payload: { provider: 'openai', model: 'gpt-test', content: 'hi', stream: true },
    });
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).not.toContain('message.completed');
    const last = events.at(-1);
    expect(last?.event).toBe('error');
    const answerId = answerIdOf(events);
    const row = await rowOf(answerId);
    expect(row.status).toBe('failed');
    expect(row.metadata.error?.code).toBe('internal_error');
    expect(row.content).not.toContain(BROKEN);

    // Resuming it ends at once with the failure.
    const started = Date.now();
    const resumed = await t.app.inject({
      url: `/v1/messages/${answerId}/stream`,
      headers: alice.headers,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(parseSse(resumed.body).at(-1)?.event).toBe('error');
  });
});

describe('the periodic sweep', () => {
  it('ends, within a few beats, answers of a dead instance and of no writer here, not those of a live one', async () => {
    const live = randomUUID();
    const dead = randomUUID();
    await t.app.ctx.db
      .insert(instances)
      .values([{ id: live }, { id: dead, heartbeatAt: new Date(Date.now() - 3_600_000) }]);
    // Well under the old 90 s cutoff, and made after start: the start-only sweep never saw these.
    const ofDead = await orphan(dead, 20);
    const ofNobodyHere = await orphan(t.app.ctx.services.generations.instanceId, 20);
    const ofLive = await orphan(live, 20);
    await until(async () => (await rowOf(ofDead)).status !== 'streaming', 4000);
    await until(async () => (await rowOf(ofNobodyHere)).status !== 'streaming', 4000);
    const ended = await rowOf(ofDead);
    expect(ended.status).toBe('failed');
    expect(ended.content).toBe('half an ans');
    expect(ended.metadata.error?.code).toBe('interrupted');
    // The live instance keeps beating (here: the test for it).
    await t.app.ctx.db.update(instances).set({ heartbeatAt: new Date() }).where(eq(instances.id, live));
    expect((await rowOf(ofLive)).status).toBe('streaming');
  });
});

describe('an answer whose writer is gone', () => {
  it('cancel ends it at once and says how it ended', async () => {
    const id = await orphan(randomUUID(), 60);
    const started = Date.now();
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/messages/${id}/cancel`,
      headers: alice.headers,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.statusCode).toBe(200);
    expect(json<{ status: string }>(res).status).toBe('failed');
    expect((await rowOf(id)).status).toBe('failed');
  });

  it('resume ends at once with the partial text and an error', async () => {
    const id = await orphan(randomUUID(), 60, 'partial');
    const started = Date.now();
    const res = await t.app.inject({ url: `/v1/messages/${id}/stream`, headers: alice.headers });
    expect(Date.now() - started).toBeLessThan(1000);
    const events = parseSse(res.body);
    expect(events[0]).toMatchObject({ event: 'delta', data: { content: 'partial' } });
    expect(events.at(-1)?.event).toBe('error');
  });
});

describe('shutdown', () => {
  it('stores an answer that outlives the grace as failed (interrupted), keeping its partial text', async () => {
    const s = await buildTestApp({
      env: { SHUTDOWN_GRACE_S: '0' },
      database: t.database,
      startLifecycle: true,
    });
    fake.reset();
    fake.configure({ reply: 'one two three four five six', chunks: 6 });
    fake.setBehavior('hang_after_first_chunk');
    const chatId = await newChat();
    const res = await s.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: alice.headers,
      payload: { provider: 'openai', model: 'gpt-test', content: 'count', stream: true },
      payloadAsStream: true,
    });
    const first = await new Promise<string>((resolve) =>
      res.stream().once('data', (c) => resolve(String(c))),
    );
    const answerId = answerIdOf(parseSse(first));
    await until(async () => s.app.ctx.services.generations.get(answerId)?.content !== '', 3000);
    await s.close();
    const row = await rowOf(answerId);
    expect(row.status).toBe('failed');
    expect(row.metadata.error?.code).toBe('interrupted');
    expect(row.content.length).toBeGreaterThan(0);
    fake.setBehavior('normal');
  });
});
