import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { activate, createKey, keyHeaders } from '../../../test/helpers/openai-gateway.js';

// Calls are not stored as chats unless `X-PocketLLM-Chat: new|<chat id>` asks for it.
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;
let key: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'Stored answer.', chunks: 2 });
  t = await buildTestApp();
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  await activate(t.app, alice, 'openai', fake.url, 'sk-openai-test-key');
  key = (await createKey(t.app, alice)).key;
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const complete = (headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/openai/v1/chat/completions',
    headers: { ...keyHeaders(key), 'x-pocketllm-cache': 'bypass', ...headers },
    payload: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Remember me' }], ...extra },
  });
const chats = async (u: TestUser) =>
  json<{ chats: { id: string }[] }>(
    await t.app.inject({ method: 'GET', url: '/v1/chats', headers: u.headers }),
  ).chats;
const chat = async (id: string) =>
  json<{ title: string; messages: { role: string; content: string; status: string }[] }>(
    await t.app.inject({ method: 'GET', url: `/v1/chats/${id}`, headers: alice.headers }),
  );

describe('X-PocketLLM-Chat', () => {
  it('without the header nothing is stored', async () => {
    expect((await complete({})).statusCode).toBe(200);
    expect(await chats(alice)).toEqual([]);
  });

  it('`new` stores the exchange in a new chat and names it; a chat id adds to that chat (JSON and stream)', async () => {
    const first = await complete({ 'x-pocketllm-chat': 'new' });
    expect(first.statusCode).toBe(200);
    const chatId = String(first.headers['x-pocketllm-chat-id']);
    const stored = await chat(chatId);
    expect(stored.title).toBe('Remember me');
    expect(stored.messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Remember me', 'completed'],
      ['assistant', 'Stored answer.', 'completed'],
    ]);
    const again = await complete({ 'x-pocketllm-chat': chatId }, { stream: true });
    expect(again.statusCode).toBe(200);
    expect(again.headers['x-pocketllm-chat-id']).toBe(chatId);
    expect(again.body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect((await chat(chatId)).messages.map((m) => m.content)).toEqual([
      'Remember me',
      'Stored answer.',
      'Remember me',
      'Stored answer.',
    ]);
  });

  it('a failed answer is kept as failed, the prompt is not lost', async () => {
    fake.setBehavior({ kind: 'http_error', status: 500, only: ['chat'] });
    const res = await complete({ 'x-pocketllm-chat': 'new' });
    fake.reset();
    expect(res.statusCode).toBe(502);
    const ids = (await chats(alice)).map((c) => c.id);
    const newest = await chat(ids[0] ?? '');
    expect(newest.messages.map((m) => [m.content, m.status])).toEqual([
      ['Remember me', 'completed'],
      ['', 'failed'],
    ]);
  });

  it('another user’s chat is a 404; a bad value is a 400 naming the header', async () => {
    const bobsChat = json<{ id: string }>(
      await t.app.inject({ method: 'POST', url: '/v1/chats', headers: bob.headers, payload: {} }),
    ).id;
    const other = await complete({ 'x-pocketllm-chat': bobsChat });
    expect(other.statusCode).toBe(404);
    expect(json<{ error: { type: string } }>(other).error.type).toBe('invalid_request_error');
    const bad = await complete({ 'x-pocketllm-chat': 'yesterday' });
    expect(bad.statusCode).toBe(400);
    expect(json<{ error: { param: string } }>(bad).error.param).toBe('x-pocketllm-chat');
  });
});
