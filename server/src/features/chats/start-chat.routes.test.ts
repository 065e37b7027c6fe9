import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import {
  activateOpenAI,
  appWithTwoUsers,
  registerUser,
  type TestUser,
} from '../../../test/helpers/factories.js';
import { parseSse } from '../../../test/helpers/sse.js';

// POST /v1/chats/new/messages: a chat is created with its first message, or not at all.

let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'Paris is the capital.', chunks: 3 });
  ({ t, alice, bob } = await appWithTwoUsers());
  await activateOpenAI(t.app, alice, fake.url, 'sk-test-alice-0123456789abcdef');
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

type Msg = { id: string; chat_id: string; role: string; content: string; status: string };

const start = (u: TestUser | null, payload: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/chats/new/messages',
    ...(u ? { headers: u.headers } : {}),
    payload,
  });
const chatCount = async (u: TestUser) =>
  json<{ chats: unknown[] }>(await t.app.inject({ method: 'GET', url: '/v1/chats', headers: u.headers }))
    .chats.length;

describe('starting a chat with its first message', () => {
  it('creates the chat, stores both messages and names it (JSON)', async () => {
    const before = await chatCount(alice);
    const res = await start(alice, {
      content: 'What is the capital of France?',
      provider: 'openai',
      model: 'm',
    });
    expect(res.statusCode).toBe(201);
    const body = json<{ user_message: Msg; assistant_message: Msg; cached: boolean }>(res);
    expect(body.assistant_message).toMatchObject({ role: 'assistant', content: 'Paris is the capital.' });
    const chatId = body.user_message.chat_id;
    expect(body.assistant_message.chat_id).toBe(chatId);
    const chat = json<{ title: string; messages: Msg[] }>(
      await t.app.inject({ method: 'GET', url: `/v1/chats/${chatId}`, headers: alice.headers }),
    );
    expect(chat.title).toBe('What is the capital of France?');
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(await chatCount(alice)).toBe(before + 1);
  });

  it('streams message.created (carrying the new chat id) and the answer', async () => {
    const res = await start(alice, { content: 'Hello', provider: 'openai', model: 'm', stream: true });
    expect(res.statusCode).toBe(200);
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)[0]).toBe('message.created');
    expect(events.at(-1)?.event).toBe('message.completed');
    const created = events[0]?.data as { user_message: Msg };
    const got = await t.app.inject({
      method: 'GET',
      url: `/v1/chats/${created.user_message.chat_id}`,
      headers: alice.headers,
    });
    expect(got.statusCode).toBe(200);
  });

  it('leaves no chat behind when the message is refused for want of a model', async () => {
    const carol = await registerUser(t.app);
    const res = await start(carol, { content: 'Hi' });
    expect(res.statusCode).toBe(400);
    expect(json<{ error: { code: string } }>(res).error.code).toBe('no_model_configured');
    expect(await chatCount(carol)).toBe(0);
  });

  it('answers 400 naming the field, and makes no chat', async () => {
    const before = await chatCount(alice);
    const empty = await start(alice, { content: '' });
    expect(empty.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(empty).error.message).toContain('content');
    const badId = await start(alice, { content: 'x', model_config_id: 'nope' });
    expect(badId.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(badId).error.message).toContain('model_config_id');
    expect(await chatCount(alice)).toBe(before);
  });

  it('answers 401 without a token', async () => {
    expect((await start(null, { content: 'x', provider: 'openai', model: 'm' })).statusCode).toBe(401);
  });

  it("answers 404 for another user's model configuration, and makes no chat", async () => {
    const cfg = await t.app.inject({
      method: 'POST',
      url: '/v1/model-configs',
      headers: alice.headers,
      payload: { name: 'Mine', provider: 'openai', model: 'm' },
    });
    expect(cfg.statusCode).toBe(201);
    const before = await chatCount(bob);
    const res = await start(bob, { content: 'x', model_config_id: json<{ id: string }>(cfg).id });
    expect(res.statusCode).toBe(404);
    expect(await chatCount(bob)).toBe(before);
  });
});
