import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { streamEvent } from '@pocketllm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateOpenAI, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { parseSse } from '../../../test/helpers/sse.js';

// The send pipeline seen from outside: every SSE event it writes is one of the shared protocol's, and the
// model a send resolves to follows the user's changes at once (the resolved target is cached in process).

let t: TestApp;
let fake: FakeServer;
let alice: TestUser;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'Protocol answer.', chunks: 4 });
  t = await buildTestApp({
    env: { PROVIDER_FIRST_TOKEN_TIMEOUT_MS: '500', PROVIDER_IDLE_TIMEOUT_MS: '500' },
  });
  alice = await registerUser(t.app);
  await activateOpenAI(t.app, alice, fake.url, 'sk-first-0123456789abcdef');
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const newChat = async () =>
  json<{ id: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/chats', headers: alice.headers, payload: {} }),
  ).id;
const send = (chatId: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: `/v1/chats/${chatId}/messages`, headers: alice.headers, payload });
const config = (payload: Record<string, unknown>, id?: string) =>
  t.app.inject({
    method: id ? 'PATCH' : 'POST',
    url: id ? `/v1/model-configs/${id}` : '/v1/model-configs',
    headers: alice.headers,
    payload,
  });

/** Every event of a body, parsed with the contracts schema (a parse failure fails the test). */
const protocolEvents = (body: string) =>
  parseSse(body).map((e) => ({ id: e.id, ...streamEvent.parse({ event: e.event, data: e.data }) }));

describe('the stream protocol (contracts/src/stream.ts)', () => {
  it('is what a live, a cached, a failed and a resumed answer are streamed with', async () => {
    const chatId = await newChat();
    const body = { content: 'What is a protocol?', provider: 'openai', model: 'gpt-p', stream: true };
    const live = protocolEvents((await send(chatId, body)).body);
    expect(live.map((e) => e.event)).toEqual([
      'message.created',
      'delta',
      'delta',
      'delta',
      'delta',
      'message.completed',
    ]);
    const cached = protocolEvents((await send(chatId, body)).body);
    expect(cached.map((e) => e.event)).toEqual(['message.created', 'delta', 'message.completed']);
    const done = cached.at(-1);
    expect(done?.event === 'message.completed' && done.data.message.metadata.cached).toBe(true);

    fake.setBehavior({ kind: 'http_error', status: 500 });
    const failed = protocolEvents(
      (await send(chatId, { ...body, content: 'Fail please', cache: false })).body,
    );
    fake.setBehavior('normal');
    const last = failed.at(-1);
    expect(last?.event).toBe('error');
    expect(last?.event === 'error' && last.data.message?.status).toBe('failed');

    const created = live[0];
    const answerId = created?.event === 'message.created' ? created.data.assistant_message.id : '';
    const resumed = await t.app.inject({
      method: 'GET',
      url: `/v1/messages/${answerId}/stream`,
      headers: { ...alice.headers, 'last-event-id': '3' },
    });
    expect(protocolEvents(resumed.body).map((e) => [e.event, e.id])).toEqual([
      ['delta', String('Protocol answer.'.length)],
      ['message.completed', String('Protocol answer.'.length)],
    ]);
  });
});

describe('the provider call', () => {
  it('is on its socket by the time the send hands back its answer (a reused connection)', async () => {
    const chatId = await newChat();
    const body = { content: 'Warm up', provider: 'openai', model: 'gpt-p', cache: false };
    const { chatSend } = t.app.ctx.services;
    // undici writes a request on a kept-alive socket only in the loop's next check phase: the second send
    // reuses the first one's connection, and its request must have left before the client hears of the turn.
    const written: string[] = [];
    const onHeaders = (msg: unknown) => {
      const path = (msg as { request: { path: string } }).request.path;
      if (path.endsWith('/chat/completions')) written.push(path);
    };
    subscribe('undici:client:sendHeaders', onHeaders);
    let connections = 0;
    const onConnected = () => connections++;
    subscribe('undici:client:connected', onConnected);
    try {
      const first = await chatSend.send(alice.id, chatId, body);
      await first.generation?.done;
      expect(written).toHaveLength(1);
      // The next send comes once the first answer's connection is back in the pool.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const connected = connections;
      const second = await chatSend.send(alice.id, chatId, { ...body, content: 'And now' });
      expect(written).toHaveLength(2);
      // It went on the first send's connection, the case the check above is about (a new one connects later).
      expect(connections).toBe(connected);
      expect((await second.generation?.done)?.status).toBe('completed');
    } finally {
      unsubscribe('undici:client:sendHeaders', onHeaders);
      unsubscribe('undici:client:connected', onConnected);
    }
  });
});

describe('the resolved model follows the user', () => {
  it("uses a configuration's new model, a new default and a new key on the very next send", async () => {
    const chatId = await newChat();
    const ask = async (content: string) => {
      fake.reset();
      const res = await send(chatId, { content, cache: false });
      expect(res.statusCode).toBe(201);
      return fake.requestsTo('chat')[0];
    };
    const first = json<{ id: string }>(
      await config({ name: 'A', provider: 'openai', model: 'model-a', is_default: true }),
    );
    expect((await ask('one'))?.body).toMatchObject({ model: 'model-a' });
    expect((await config({ model: 'model-a2' }, first.id)).statusCode).toBe(200);
    expect((await ask('two'))?.body).toMatchObject({ model: 'model-a2' });
    await config({ name: 'B', provider: 'openai', model: 'model-b', is_default: true });
    expect((await ask('three'))?.body).toMatchObject({ model: 'model-b' });

    await activateOpenAI(t.app, alice, fake.url, 'sk-second-0123456789abcdef');
    expect((await ask('four'))?.headers.authorization).toBe('Bearer sk-second-0123456789abcdef');
    const off = await t.app.inject({
      method: 'DELETE',
      url: '/v1/providers/openai',
      headers: alice.headers,
    });
    expect(off.statusCode).toBe(204);
    expect((await send(chatId, { content: 'five', cache: false })).statusCode).toBe(400);
  });
});
