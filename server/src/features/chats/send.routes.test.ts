import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateProvider, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { parseSse } from '../../../test/helpers/sse.js';

let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;
const KEY = 'sk-test-alice-0123456789abcdef';

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'The capital of France is Paris.', chunks: 5 });
  t = await buildTestApp({
    env: {
      PROVIDER_FIRST_TOKEN_TIMEOUT_MS: '400',
      PROVIDER_IDLE_TIMEOUT_MS: '400',
      PROVIDER_CONNECT_TIMEOUT_MS: '400',
    },
  });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  await activateProvider(t.app, alice, { provider: 'openai', api_key: KEY, base_url: fake.url });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

type Msg = { id: string; role: string; content: string; status: string; metadata: Record<string, unknown> };

const newChat = async (u: TestUser) =>
  json<{ id: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/chats', headers: u.headers, payload: {} }),
  ).id;

const send = (u: TestUser, chatId: string, payload: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/chats/${chatId}/messages`,
    headers: u.headers,
    payload: { provider: 'openai', model: 'gpt-test', ...payload },
  });

const chatMessages = async (u: TestUser, chatId: string) =>
  json<{ title: string | null; message_count: number; messages: Msg[] }>(
    await t.app.inject({ method: 'GET', url: `/v1/chats/${chatId}`, headers: u.headers }),
  );

describe('sending a message (JSON)', () => {
  it('stores both messages, names the chat, and sends the right key to the right server', async () => {
    fake.reset();
    const chatId = await newChat(alice);
    const res = await send(alice, chatId, { content: 'What is the capital of France?\nThanks' });
    expect(res.statusCode).toBe(201);
    const body = json<{ user_message: Msg; assistant_message: Msg; cached: boolean }>(res);
    expect(body.cached).toBe(false);
    expect(body.user_message).toMatchObject({
      role: 'user',
      content: 'What is the capital of France?\nThanks',
    });
    expect(body.assistant_message).toMatchObject({
      role: 'assistant',
      content: 'The capital of France is Paris.',
      status: 'completed',
      metadata: { provider: 'openai', model: 'gpt-test', finish_reason: 'stop', cached: false },
    });
    expect(body.assistant_message.metadata.latency_ms).toEqual(expect.any(Number));
    expect(body.assistant_message.metadata.tokens_out).toEqual(expect.any(Number));
    const sent = fake.requestsTo('chat')[0];
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    const chat = await chatMessages(alice, chatId);
    expect(chat.title).toBe('What is the capital of France?');
    expect(chat.message_count).toBe(2);
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(t.logs.join('')).not.toContain(KEY);
  });

  it('sends the earlier turns as context', async () => {
    fake.reset();
    const chatId = await newChat(alice);
    await send(alice, chatId, { content: 'First question' });
    await send(alice, chatId, { content: 'Tell me more' });
    const second = fake.requestsTo('chat')[1]?.body as { messages: { role: string; content: string }[] };
    expect(second.messages).toEqual([
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: 'The capital of France is Paris.' },
      { role: 'user', content: 'Tell me more' },
    ]);
  });

  it('answers 400 with guidance when no model is configured', async () => {
    const chatId = await newChat(bob);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: bob.headers,
      payload: { content: 'hello' },
    });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ error: { code: 'no_model_configured' } });
    expect(json<{ error: { message: string } }>(res).error.message).toMatch(/Settings/);
    const unconfigured = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: bob.headers,
      payload: { content: 'hello', provider: 'openai', model: 'x' },
    });
    expect(unconfigured.statusCode).toBe(400);
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const chatId = await newChat(alice);
    const empty = await send(alice, chatId, { content: '' });
    expect(json(empty)).toMatchObject({ error: { code: 'validation_error', details: { field: 'content' } } });
    const hot = await send(alice, chatId, { content: 'hi', params: { temperature: 3 } });
    expect(json(hot)).toMatchObject({ error: { details: { field: 'params.temperature' } } });
    const noModel = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: alice.headers,
      payload: { content: 'hi', provider: 'openai' },
    });
    expect(json(noModel)).toMatchObject({ error: { details: { field: 'model' } } });
  });

  it('uses the default model configuration when the request names none', async () => {
    fake.reset();
    const cfg = await t.app.inject({
      method: 'POST',
      url: '/v1/model-configs',
      headers: alice.headers,
      payload: {
        name: 'Default',
        provider: 'openai',
        model: 'gpt-default',
        system_prompt: 'Be brief.',
        is_default: true,
      },
    });
    expect(cfg.statusCode).toBe(201);
    const chatId = await newChat(alice);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: alice.headers,
      payload: { content: 'hi' },
    });
    expect(res.statusCode).toBe(201);
    const req = fake.requestsTo('chat')[0]?.body as {
      model: string;
      messages: { role: string }[];
      temperature: number;
    };
    expect(req.model).toBe('gpt-default');
    expect(req.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(req.temperature).toBe(0.7);
  });
});

describe('provider failures keep what the user typed', () => {
  it('stores a failed answer and answers 502 when the provider errors', async () => {
    const chatId = await newChat(alice);
    fake.setBehavior({ kind: 'http_error', status: 500 });
    const res = await send(alice, chatId, { content: 'Will this be kept?' });
    fake.setBehavior('normal');
    expect(res.statusCode).toBe(502);
    expect(json(res)).toMatchObject({ error: { code: 'provider_error' } });
    const chat = await chatMessages(alice, chatId);
    expect(chat.messages[0]).toMatchObject({ role: 'user', content: 'Will this be kept?' });
    expect(chat.messages[1]).toMatchObject({
      role: 'assistant',
      status: 'failed',
      metadata: { error: { code: 'provider_error' } },
    });
  });

  it('times out a provider that never answers with 504', async () => {
    const chatId = await newChat(alice);
    fake.setBehavior('hang');
    const res = await send(alice, chatId, { content: 'Anyone there?' });
    fake.setBehavior('normal');
    expect(res.statusCode).toBe(504);
    const chat = await chatMessages(alice, chatId);
    expect(chat.messages[1]).toMatchObject({
      status: 'failed',
      metadata: { error: { code: 'provider_timeout' } },
    });
  });

  it('ends an answer that hangs mid-stream as failed, keeping the partial text', async () => {
    const chatId = await newChat(alice);
    fake.setBehavior('hang_after_first_chunk');
    const res = await send(alice, chatId, { content: 'Start then stall', stream: true });
    fake.setBehavior('normal');
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual(['message.created', 'delta', 'error']);
    const chat = await chatMessages(alice, chatId);
    expect(chat.messages[1]?.status).toBe('failed');
    expect(chat.messages[1]?.content.length).toBeGreaterThan(0);
  });

  it('survives malformed provider output and a dropped connection', async () => {
    for (const behavior of ['malformed', 'drop_mid_stream'] as const) {
      const chatId = await newChat(alice);
      fake.setBehavior(behavior);
      const res = await send(alice, chatId, { content: `case ${behavior}` });
      fake.setBehavior('normal');
      expect(res.statusCode, behavior).toBe(502);
      const chat = await chatMessages(alice, chatId);
      expect(chat.messages[1]?.status).toBe('failed');
    }
  });
});

describe('streaming (SSE)', () => {
  it('streams message.created, deltas and message.completed with offsets as ids', async () => {
    fake.reset();
    const chatId = await newChat(alice);
    const res = await send(alice, chatId, { content: 'Stream it', stream: true });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(res.headers['x-request-id']).toBeTruthy();
    const events = parseSse(res.body);
    expect(events[0]?.event).toBe('message.created');
    expect(events.at(-1)?.event).toBe('message.completed');
    const deltas = events.filter((e) => e.event === 'delta');
    expect(deltas.length).toBeGreaterThan(1);
    const text = deltas.map((d) => d.data.content).join('');
    expect(text).toBe('The capital of France is Paris.');
    expect(events.at(-1)?.id).toBe(String(text.length));
    expect(deltas.at(-1)?.id).toBe(String(text.length));
    const done = events.at(-1)?.data.message as Msg;
    expect(done).toMatchObject({ status: 'completed', content: text });
  });

  it('replays a finished answer from Last-Event-ID', async () => {
    const chatId = await newChat(alice);
    const sent = json<{ assistant_message: Msg }>(await send(alice, chatId, { content: 'Replay me' }));
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/messages/${sent.assistant_message.id}/stream`,
      headers: { ...alice.headers, 'last-event-id': '4' },
    });
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual(['delta', 'message.completed']);
    expect(events[0]?.data.content).toBe('The capital of France is Paris.'.slice(4));
  });

  it("answers 404 for another user's answer on stream and cancel", async () => {
    const chatId = await newChat(alice);
    const sent = json<{ assistant_message: Msg; user_message: Msg }>(
      await send(alice, chatId, { content: 'mine' }),
    );
    for (const [method, url] of [
      ['GET', `/v1/messages/${sent.assistant_message.id}/stream`],
      ['POST', `/v1/messages/${sent.assistant_message.id}/cancel`],
    ] as const) {
      expect((await t.app.inject({ method, url, headers: bob.headers })).statusCode).toBe(404);
      expect((await t.app.inject({ method, url })).statusCode).toBe(401);
    }
    const userMsgStream = await t.app.inject({
      method: 'GET',
      url: `/v1/messages/${sent.user_message.id}/stream`,
      headers: alice.headers,
    });
    expect(userMsgStream.statusCode).toBe(400);
    const finished = await t.app.inject({
      method: 'POST',
      url: `/v1/messages/${sent.assistant_message.id}/cancel`,
      headers: alice.headers,
    });
    expect(finished.statusCode).toBe(409);
  });
});
