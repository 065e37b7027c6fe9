import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateProvider, registerUser, type TestUser } from '../../../test/helpers/factories.js';

// The send limit is checked alongside each sending route's first read (plugins/rate-limit.ts
// overlappedLimits): a refused send, regeneration, edit or new chat still answers 429 and stores nothing, and
// the provider is not called. The limit is per user, so each test has a user of its own.
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;

async function userWithProvider(): Promise<TestUser> {
  const user = await registerUser(t.app);
  await activateProvider(t.app, user, {
    provider: 'openai',
    api_key: 'sk-test-limit-0123456789',
    base_url: fake.url,
  });
  return user;
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'Fine.', chunks: 2 });
  t = await buildTestApp({ env: { RATE_LIMIT_CHAT_PER_MIN: '2' } });
  alice = await userWithProvider();
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

describe('the send limit', () => {
  it('refuses the send over the limit with 429, storing nothing and calling no provider', async () => {
    const chat = json<{ id: string }>(
      await t.app.inject({ method: 'POST', url: '/v1/chats', headers: alice.headers, payload: {} }),
    ).id;
    const send = (content: unknown) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/chats/${chat}/messages`,
        headers: alice.headers,
        payload: { provider: 'openai', model: 'gpt-test', content },
      });
    // A body refused by its schema is not counted, and its pending check leaves nothing unhandled.
    const bad = await send(42);
    expect(bad.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(bad).error.message).toContain('content');
    const first = await send('one');
    expect(first.statusCode).toBe(201);
    expect(first.headers['x-ratelimit-remaining']).toBe('1');
    expect((await send('two')).statusCode).toBe(201);
    const calls = fake.requestsTo('chat').length;
    expect(calls).toBe(2);
    const refused = await send('three');
    expect(refused.statusCode).toBe(429);
    expect(json<{ error: { code: string } }>(refused).error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(fake.requestsTo('chat').length).toBe(calls);
    const stored = json<{ message_count: number; messages: { content: string }[] }>(
      await t.app.inject({ method: 'GET', url: `/v1/chats/${chat}`, headers: alice.headers }),
    );
    expect(stored.message_count).toBe(4);
    expect(stored.messages.map((m) => m.content)).not.toContain('three');
  });

  type Turn = { user_message: { id: string; chat_id: string }; assistant_message: { id: string } };
  const model = { provider: 'openai', model: 'gpt-test' };
  const post = (user: TestUser, url: string, payload: unknown) =>
    t.app.inject({ method: 'POST', url, headers: user.headers, payload: payload as object });
  const chatOf = async (user: TestUser, chatId: string) =>
    json<{ message_count: number; messages: { id: string; content: string; sibling_ids: string[] }[] }>(
      await t.app.inject({ method: 'GET', url: `/v1/chats/${chatId}`, headers: user.headers }),
    );
  const expectRefused = (res: Awaited<ReturnType<typeof post>>) => {
    expect(res.statusCode).toBe(429);
    expect(json<{ error: { code: string } }>(res).error.code).toBe('rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  };

  it('refuses a regeneration over the limit with 429, storing no answer', async () => {
    const user = await userWithProvider();
    const first = json<Turn>(await post(user, '/v1/chats/new/messages', { content: 'q', ...model }));
    const regenerate = (payload: unknown) =>
      post(user, `/v1/messages/${first.assistant_message.id}/regenerate`, payload);
    // A body refused by its schema is not counted.
    const bad = await regenerate({ model: 42 });
    expect(bad.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(bad).error.message).toContain('model');
    expect((await regenerate({})).statusCode).toBe(201);
    const calls = fake.requestsTo('chat').length;
    expectRefused(await regenerate({}));
    expect(fake.requestsTo('chat').length).toBe(calls);
    const chat = await chatOf(user, first.user_message.chat_id);
    expect(chat.message_count).toBe(3);
    expect(chat.messages.at(-1)?.sibling_ids).toHaveLength(2);
  });

  it('refuses an edit over the limit with 429, storing no new version', async () => {
    const user = await userWithProvider();
    const first = json<Turn>(await post(user, '/v1/chats/new/messages', { content: 'q', ...model }));
    const edit = (content: string) =>
      post(user, `/v1/messages/${first.user_message.id}/edit`, { content, ...model });
    expect((await edit('q, again')).statusCode).toBe(201);
    const calls = fake.requestsTo('chat').length;
    expectRefused(await edit('q, a third time'));
    expect(fake.requestsTo('chat').length).toBe(calls);
    const chat = await chatOf(user, first.user_message.chat_id);
    expect(chat.message_count).toBe(4);
    expect(chat.messages.map((m) => m.content)).not.toContain('q, a third time');
    expect(chat.messages[0]?.sibling_ids).toHaveLength(2);
  });

  it('refuses a new chat over the limit with 429, making no chat', async () => {
    const user = await userWithProvider();
    const start = (payload: unknown) => post(user, '/v1/chats/new/messages', payload);
    const chats = async () =>
      json<{ chats: unknown[] }>(
        await t.app.inject({ method: 'GET', url: '/v1/chats', headers: user.headers }),
      ).chats.length;
    const bad = await start({ content: '' });
    expect(bad.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(bad).error.message).toContain('content');
    expect((await start({ content: 'one', ...model })).statusCode).toBe(201);
    expect((await start({ content: 'two', ...model })).statusCode).toBe(201);
    const calls = fake.requestsTo('chat').length;
    expectRefused(await start({ content: 'three', ...model }));
    // Over the limit, the limit answers whatever else is wrong with the send (no model here).
    expectRefused(await start({ content: 'four' }));
    expect(fake.requestsTo('chat').length).toBe(calls);
    expect(await chats()).toBe(2);
  });
});
