import { userEvent } from '@pocketllm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { openEvents } from '../../../test/helpers/event-client.js';
import { activateOpenAI, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { multipartBody } from '../../../test/helpers/multipart.js';

// Over real sockets: GET /v1/events hears every change of its user, resumes, and is bounded.
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;
let base: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({
    reply: 'one two three four',
    chunks: 4,
    behavior: { kind: 'slow', delayMs: 40 },
  });
  t = await buildTestApp({ env: { EVENTS_LOG_SIZE: '10', EVENTS_MAX_CONNECTIONS_PER_USER: '2' } });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  await activateOpenAI(t.app, alice, fake.url, 'sk-live-0123456789');
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const events = (user: TestUser, lastId?: string) => openEvents(`${base}/v1/events`, user.headers, lastId);
const newChat = async (user: TestUser, title = 'Plans') =>
  json<{ id: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/chats', headers: user.headers, payload: { title } }),
  );

describe('GET /v1/events', () => {
  it('needs a token (401) and names a bad Last-Event-ID (400)', async () => {
    const res = await fetch(`${base}/v1/events`);
    expect(res.status).toBe(401);
    const bad = await fetch(`${base}/v1/events`, {
      headers: { ...alice.headers, 'last-event-id': 'x'.repeat(65) },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('last-event-id');
  });

  it("hears the user's chat changes, each valid by the contract, and nobody else's", async () => {
    const a = await events(alice);
    const b = await events(bob);
    const chat = await newChat(alice);
    const created = await a.next((e) => e.event === 'chat.created');
    expect(created.data).toMatchObject({ chat: { id: chat.id, title: 'Plans' } });
    expect(created.id).toMatch(/^\d+-\d+$/);
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/chats/${chat.id}`,
      headers: alice.headers,
      payload: { title: 'Trip' },
    });
    await a.next((e) => e.event === 'chat.updated' && (e.data.chat as { title: string }).title === 'Trip');
    await t.app.inject({ method: 'DELETE', url: `/v1/chats/${chat.id}`, headers: alice.headers });
    await a.next((e) => e.event === 'chat.deleted' && e.data.chat_id === chat.id);
    for (const e of a.events)
      expect(userEvent.safeParse({ event: e.event, data: e.data }).success).toBe(true);
    // Bob's own change arrives on his stream; none of Alice's ever did.
    await newChat(bob, 'Bob');
    await b.next((e) => e.event === 'chat.created');
    expect(b.events.map((e) => (e.data.chat as { title?: string } | undefined)?.title)).toEqual(['Bob']);
    a.close();
    b.close();
  });

  it('tells a send: message.created with the streaming answer, then message.completed; and a rating', async () => {
    const a = await events(alice);
    const chat = await newChat(alice);
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chat.id}/messages`,
      headers: alice.headers,
      payload: { content: 'hello', provider: 'openai', model: 'gpt-test', stream: false, cache: false },
    });
    expect(sent.statusCode).toBe(201);
    const created = await a.next((e) => e.event === 'message.created');
    expect(created.data).toMatchObject({ chat_id: chat.id, assistant_message: { status: 'streaming' } });
    const answerId = (created.data.assistant_message as { id: string }).id;
    const done = await a.next((e) => e.event === 'message.completed');
    expect(done.data).toMatchObject({
      chat_id: chat.id,
      message: { id: answerId, content: 'one two three four' },
    });
    await t.app.inject({
      method: 'POST',
      url: `/v1/messages/${answerId}/rate`,
      headers: alice.headers,
      payload: { rating: 'up' },
    });
    await a.next(
      (e) => e.event === 'message.updated' && (e.data.message as { rating: string }).rating === 'up',
    );
    await t.app.inject({ method: 'POST', url: `/v1/messages/${answerId}/pin`, headers: alice.headers });
    await a.next((e) => e.event === 'message.updated' && (e.data.message as { pinned: boolean }).pinned);
    a.close();
  });

  it('replays exactly what was missed after Last-Event-ID, and resyncs when that is no longer kept', async () => {
    const a = await events(alice);
    const first = await newChat(alice, 'one');
    const seen = await a.next(
      (e) => e.event === 'chat.created' && (e.data.chat as { id: string }).id === first.id,
    );
    a.close();
    const missed = [await newChat(alice, 'two'), await newChat(alice, 'three')];
    const again = await events(alice, seen.id);
    await again.next((e) => (e.data.chat as { id?: string } | undefined)?.id === missed[1]?.id);
    expect(again.events.map((e) => (e.data.chat as { title: string }).title)).toEqual(['two', 'three']);
    const lastId = again.events.at(-1)?.id ?? '';
    again.close();
    // More than the log keeps (10): the client is told to refetch, once, and then hears what comes next.
    // (Logging is not awaited by the change: wait until the last one is out, or it may arrive after the resync.)
    const watch = await events(alice);
    for (let i = 0; i < 12; i++) await newChat(alice, `bulk ${i}`);
    await watch.next((e) => (e.data.chat as { title?: string } | undefined)?.title === 'bulk 11');
    watch.close();
    const late = await events(alice, lastId);
    const resync = await late.next((e) => e.event === 'resync');
    expect(resync.data).toEqual({ reason: 'gap' });
    expect(late.events).toHaveLength(1);
    await newChat(alice, 'after');
    await late.next((e) => e.event === 'chat.created');
    late.close();
    const unknown = await events(alice, '1-1');
    expect((await unknown.next(() => true)).event).toBe('resync');
    unknown.close();
  });

  it('tells provider, local endpoint, file and job changes', async () => {
    const dave = await registerUser(t.app);
    const d = await events(dave);
    await activateOpenAI(t.app, dave, fake.url, 'sk-live-0123456789');
    expect((await d.next((e) => e.event === 'provider.updated')).data).toEqual({ provider: 'openai' });
    const ollama = await startFakeOllama({ models: ['llama3.2:1b'] });
    try {
      await t.app.inject({
        method: 'POST',
        url: '/v1/local-models',
        headers: dave.headers,
        payload: { name: 'Home box', base_url: ollama.url },
      });
      await d.next((e) => e.event === 'local_model.health');
    } finally {
      await ollama.close();
    }
    const body = multipartBody([{ name: 'file', filename: 'notes.txt', content: Buffer.from('hello') }]);
    const up = await t.app.inject({
      method: 'POST',
      url: '/v1/files',
      headers: { ...body.headers, ...dave.headers },
      payload: body.payload,
    });
    const file = json<{ id: string }>(up);
    expect((await d.next((e) => e.event === 'file.created')).data).toEqual({
      file_id: file.id,
      chat_id: null,
    });
    await t.app.inject({ method: 'DELETE', url: `/v1/files/${file.id}`, headers: dave.headers });
    expect((await d.next((e) => e.event === 'file.deleted')).data).toEqual({ file_id: file.id });
    // 'test.unhandled' has no handler: the job stays pending until cancelled through the API.
    const job = await t.app.ctx.services.jobQueue.enqueue(dave.id, 'test.unhandled', {});
    const cancel = t.app.inject({ method: 'DELETE', url: `/v1/jobs/${job.id}`, headers: dave.headers });
    const pending = await d.next((e) => e.event === 'job.updated');
    expect(pending.data).toEqual({ job_id: job.id, job_type: 'test.unhandled', status: 'pending' });
    await cancel;
    await d.next((e) => e.event === 'job.updated' && e.data.status === 'cancelled');
    d.close();
  });

  it('keeps a few connections per user, closing the oldest first', async () => {
    const c1 = await events(bob);
    const c2 = await events(bob);
    const c3 = await events(bob);
    await c1.ended;
    await newChat(bob, 'still heard');
    await c2.next((e) => e.event === 'chat.created');
    await c3.next((e) => e.event === 'chat.created');
    expect(c1.events.some((e) => e.event === 'chat.created')).toBe(false);
    c2.close();
    c3.close();
  });

  it('is closed at once when its session ends (logout), and a password change closes the others', async () => {
    const carol = await registerUser(t.app);
    const other = json<{ access_token: string }>(
      await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: carol.email, password: carol.password },
      }),
    );
    const otherHeaders = { authorization: `Bearer ${other.access_token}` };
    const mine = await events(carol);
    const theirs = await events({ ...carol, headers: otherHeaders });
    await t.app.inject({
      method: 'POST',
      url: '/v1/users/me/password',
      headers: carol.headers,
      payload: { current_password: carol.password, new_password: 'a much newer passphrase' },
    });
    await theirs.ended;
    await newChat(carol, 'kept');
    await mine.next((e) => e.event === 'chat.created');
    await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: carol.headers });
    await mine.ended;
  });
});

describe('/docs/json', () => {
  it('lists GET /v1/events with every event the issue names, and resync', async () => {
    const res = await t.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = JSON.stringify(json<{ paths: Record<string, unknown> }>(res).paths['/v1/events']);
    for (const name of [
      'chat.created',
      'chat.updated',
      'chat.deleted',
      'message.created',
      'message.updated',
      'message.completed',
      'message.failed',
      'job.updated',
      'local_model.health',
      'provider.updated',
      'file.created',
      'file.deleted',
      'resync',
    ])
      expect(doc).toContain(name);
  });
});
