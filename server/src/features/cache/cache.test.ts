import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateOpenAI, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { parseSse } from '../../../test/helpers/sse.js';

let t: TestApp;
let fake: FakeServer;

beforeAll(async () => {
  fake = await startFakeOpenAI({
    reply: (req) => `answer #${req.endpoint}-${Math.random().toString(36).slice(2, 8)}`,
  });
  t = await buildTestApp({ env: { CACHE_SIMILARITY_THRESHOLD: '0.6' } });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

async function userWithKey(): Promise<TestUser> {
  const u = await registerUser(t.app);
  await activateOpenAI(t.app, u, fake.url, 'sk-cache-0123456789');
  return u;
}
const newChat = async (u: TestUser) =>
  json<{ id: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/chats', headers: u.headers, payload: {} }),
  ).id;

type Sent = { cached: boolean; assistant_message: { content: string; metadata: Record<string, unknown> } };
async function ask(u: TestUser, chatId: string, content: string, extra: Record<string, unknown> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/chats/${chatId}/messages`,
    headers: u.headers,
    payload: { content, provider: 'openai', model: 'gpt-test', ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  return json<Sent>(res);
}
const calls = () => fake.requestsTo('chat').length;

describe('answer cache', () => {
  it('answers a repeated prompt from the cache, in a new chat and in the same chat', async () => {
    const u = await userWithKey();
    const first = await ask(u, await newChat(u), 'What is the capital of France?');
    const before = calls();
    const again = await ask(u, await newChat(u), '  what is the capital of france ');
    expect(calls()).toBe(before);
    expect(again.cached).toBe(true);
    expect(again.assistant_message.content).toBe(first.assistant_message.content);
    expect(again.assistant_message.metadata).toMatchObject({ cached: true });

    const chatId = await newChat(u);
    const a = await ask(u, chatId, 'Name a large volcano');
    await ask(u, chatId, 'Something unrelated in between');
    const n = calls();
    const repeat = await ask(u, chatId, 'Name a large volcano');
    expect(calls()).toBe(n);
    expect(repeat.assistant_message.content).toBe(a.assistant_message.content);

    const stats = json<{ hits: number; misses: number; hit_rate: number; entries: number }>(
      await t.app.inject({ method: 'GET', url: '/v1/cache/stats', headers: u.headers }),
    );
    expect(stats.hits).toBe(2);
    expect(stats.misses).toBeGreaterThanOrEqual(3);
    expect(stats.entries).toBeGreaterThanOrEqual(3);
  });

  it('misses when the model, parameters, system prompt or earlier context change', async () => {
    const u = await userWithKey();
    await ask(u, await newChat(u), 'Explain recursion');
    const n = calls();
    await ask(u, await newChat(u), 'Explain recursion', { model: 'other-model' });
    await ask(u, await newChat(u), 'Explain recursion', { params: { temperature: 0.1 } });
    const withContext = await newChat(u);
    await ask(u, withContext, 'Talk about Python');
    const followUp = await ask(u, withContext, 'Explain recursion');
    expect(followUp.cached).toBe(false);
    expect(calls()).toBe(n + 4);
    // "tell me more" only matches in the context it was asked in.
    const c1 = await newChat(u);
    await ask(u, c1, 'Describe Rome');
    await ask(u, c1, 'tell me more');
    const c2 = await newChat(u);
    await ask(u, c2, 'Describe Paris');
    const more = await ask(u, c2, 'tell me more');
    expect(more.cached).toBe(false);
  });

  it("never serves one user another user's answer, and honours cache:false", async () => {
    const a = await userWithKey();
    const b = await userWithKey();
    await ask(a, await newChat(a), 'A secret question of mine');
    const other = await ask(b, await newChat(b), 'A secret question of mine');
    expect(other.cached).toBe(false);
    const bypass = await ask(a, await newChat(a), 'A secret question of mine', { cache: false });
    expect(bypass.cached).toBe(false);
  });

  it('keeps no answer of a send made with cache:false', async () => {
    const u = await userWithKey();
    await ask(u, await newChat(u), 'Do not remember this answer', { cache: false });
    const next = await ask(u, await newChat(u), 'Do not remember this answer');
    expect(next.cached).toBe(false);
    expect((await ask(u, await newChat(u), 'Do not remember this answer')).cached).toBe(true);
  });

  it('matches a paraphrase lexically but never a near-miss', async () => {
    const u = await userWithKey();
    await ask(u, await newChat(u), 'What is the capital of France?');
    const para = await ask(u, await newChat(u), "Which city is France's capital?");
    expect(para.cached).toBe(true);
    expect(para.assistant_message.metadata).toMatchObject({ cache_match: 'similar' });
    const near = await ask(u, await newChat(u), 'What is the capital of Spain?');
    expect(near.cached).toBe(false);
    const stats = json<{ semantic_hits: number }>(
      await t.app.inject({ method: 'GET', url: '/v1/cache/stats', headers: u.headers }),
    );
    expect(stats.semantic_hits).toBe(1);
  });

  it('replays a hit as SSE deltas', async () => {
    const u = await userWithKey();
    const first = await ask(u, await newChat(u), 'Stream me from cache');
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${await newChat(u)}/messages`,
      headers: u.headers,
      payload: { content: 'Stream me from cache', provider: 'openai', model: 'gpt-test', stream: true },
    });
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual(['message.created', 'delta', 'message.completed']);
    expect(events[1]?.data.content).toBe(first.assistant_message.content);
  });

  it('clears the caller’s entries; stats need a token', async () => {
    const u = await userWithKey();
    await ask(u, await newChat(u), 'Forget me');
    const del = await t.app.inject({ method: 'DELETE', url: '/v1/cache', headers: u.headers });
    expect(del.statusCode).toBe(204);
    const again = await ask(u, await newChat(u), 'Forget me');
    expect(again.cached).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: '/v1/cache/stats' })).statusCode).toBe(401);
    const all = await t.app.inject({ method: 'DELETE', url: '/v1/cache?all=true', headers: u.headers });
    expect(all.statusCode).toBe(403);
    const bad = await t.app.inject({ method: 'DELETE', url: '/v1/cache?all=maybe', headers: u.headers });
    expect(json(bad)).toMatchObject({ error: { details: { field: 'all' } } });
  });

  it('treats an unreachable Redis as misses and keeps chatting', async () => {
    if (!t.redis) return; // only meaningful where the cache lives in Redis
    const u = await userWithKey();
    await ask(u, await newChat(u), 'Redis will go away');
    t.redis.disconnect();
    const res = await ask(u, await newChat(u), 'Redis will go away');
    expect(res.cached).toBe(false);
    expect(t.logs.join('')).toContain('answer cache unavailable');
  });
});
