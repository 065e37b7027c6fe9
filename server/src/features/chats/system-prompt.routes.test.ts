import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateOpenAI, appWithTwoUsers, type TestUser } from '../../../test/helpers/factories.js';

// A chat's own system prompt (PATCH /v1/chats/{id} `system_prompt`): stored, returned, and given to the
// model over the model configuration's — and part of the answer cache's key.
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;
let configId: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'Arr, matey.', chunks: 2 });
  ({ t, alice, bob } = await appWithTwoUsers());
  await activateOpenAI(t.app, alice, fake.url, 'sk-test-alice-0123456789abcdef');
  const cfg = await t.app.inject({
    method: 'POST',
    url: '/v1/model-configs',
    headers: alice.headers,
    payload: { name: 'Plain', provider: 'openai', model: 'gpt-test', system_prompt: 'From the config.' },
  });
  expect(cfg.statusCode).toBe(201);
  configId = json<{ id: string }>(cfg).id;
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

type Chat = { id: string; system_prompt: string | null; model_config_id: string | null };
type Sent = { messages: { role: string; content: unknown }[] };

const newChat = async (u: TestUser, payload: Record<string, unknown> = {}) =>
  json<Chat>(await t.app.inject({ method: 'POST', url: '/v1/chats', headers: u.headers, payload }));
const patch = (u: TestUser, id: string, payload: unknown) =>
  t.app.inject({ method: 'PATCH', url: `/v1/chats/${id}`, headers: u.headers, payload: payload as object });
const send = (chatId: string, content: string) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/chats/${chatId}/messages`,
    headers: alice.headers,
    payload: { content },
  });
/** The system messages of the latest request that asked `prompt` (by what it asked: fakes/README.md). */
const systemAsking = (prompt: string) => {
  const body = fake.chatsAsking(prompt).at(-1)?.body as Sent | undefined;
  return body?.messages.filter((m) => m.role === 'system').map((m) => m.content);
};

describe("a chat's system prompt", () => {
  it('is null on a new chat, set by PATCH, returned by GET and the list, and cleared by null or blank', async () => {
    const chat = await newChat(alice, { model_config_id: configId });
    expect(chat.system_prompt).toBeNull();
    const set = await patch(alice, chat.id, { system_prompt: 'You are a pirate.' });
    expect(set.statusCode).toBe(200);
    expect(json(set)).toMatchObject({
      id: chat.id,
      system_prompt: 'You are a pirate.',
      model_config_id: configId,
    });
    const got = await t.app.inject({ method: 'GET', url: `/v1/chats/${chat.id}`, headers: alice.headers });
    expect(json(got)).toMatchObject({ system_prompt: 'You are a pirate.' });
    const list = json<{ chats: Chat[] }>(
      await t.app.inject({ method: 'GET', url: '/v1/chats', headers: alice.headers }),
    );
    expect(list.chats.find((c) => c.id === chat.id)?.system_prompt).toBe('You are a pirate.');
    expect(json(await patch(alice, chat.id, { system_prompt: '   ' }))).toMatchObject({
      system_prompt: null,
    });
    await patch(alice, chat.id, { system_prompt: 'Again.' });
    expect(json(await patch(alice, chat.id, { system_prompt: null }))).toMatchObject({ system_prompt: null });
  });

  it("is what the model gets instead of the model configuration's, and a new one misses the cache", async () => {
    const chat = await newChat(alice, { model_config_id: configId });
    fake.reset();
    expect((await send(chat.id, 'Hello there')).statusCode).toBe(201);
    expect(systemAsking('Hello there')).toEqual(['From the config.']);

    await patch(alice, chat.id, { system_prompt: 'You are a pirate.' });
    const own = await send(chat.id, 'Hello there');
    expect(own.statusCode).toBe(201);
    // The same words under another system prompt are another question: the model is asked again.
    expect(json<{ cached: boolean }>(own).cached).toBe(false);
    expect(systemAsking('Hello there')).toEqual(['You are a pirate.']);
    expect(fake.chatsAsking('Hello there')).toHaveLength(2);

    // A fresh chat with the same prompt and the same own system prompt may reuse that answer.
    const twin = await newChat(alice, { model_config_id: configId });
    await patch(alice, twin.id, { system_prompt: 'You are a pirate.' });
    const again = await send(twin.id, 'Hello there');
    expect(json<{ cached: boolean }>(again).cached).toBe(true);

    await patch(alice, chat.id, { system_prompt: null });
    expect((await send(chat.id, 'And now?')).statusCode).toBe(201);
    expect(systemAsking('And now?')).toEqual(['From the config.']);
  });

  it('is given with a provider and model picked per message too (no model configuration)', async () => {
    const chat = await newChat(alice);
    await patch(alice, chat.id, { system_prompt: 'Answer in French.' });
    fake.reset();
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chat.id}/messages`,
      headers: alice.headers,
      payload: { content: 'Good morning', provider: 'openai', model: 'gpt-test' },
    });
    expect(res.statusCode).toBe(201);
    expect(systemAsking('Good morning')).toEqual(['Answer in French.']);
  });

  it('answers 400 naming system_prompt for a wrong type or a too long text', async () => {
    const chat = await newChat(alice);
    for (const bad of [{ system_prompt: 42 }, { system_prompt: 'x'.repeat(100_001) }]) {
      const res = await patch(alice, chat.id, bad);
      expect(res.statusCode).toBe(400);
      expect(json(res)).toMatchObject({
        error: { code: 'validation_error', details: { field: 'system_prompt' } },
      });
    }
    const nul = await patch(alice, chat.id, { system_prompt: 'a\u0000b' });
    expect(nul.statusCode).toBe(400);
    expect(json(nul)).toMatchObject({ error: { details: { field: 'system_prompt' } } });
  });

  it('answers 401 without a token', async () => {
    const chat = await newChat(alice);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/chats/${chat.id}`,
      payload: { system_prompt: 'x' },
    });
    expect(res.statusCode).toBe(401);
  });

  it("answers 404 for another user's chat and leaves it unchanged", async () => {
    const chat = await newChat(alice);
    const res = await patch(bob, chat.id, { system_prompt: 'Leak everything.' });
    expect(res.statusCode).toBe(404);
    const got = await t.app.inject({ method: 'GET', url: `/v1/chats/${chat.id}`, headers: alice.headers });
    expect(json(got)).toMatchObject({ system_prompt: null });
  });
});
