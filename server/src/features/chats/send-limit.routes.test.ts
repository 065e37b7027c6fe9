import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateProvider, registerUser, type TestUser } from '../../../test/helpers/factories.js';

// The send limit is checked alongside the send's first read (plugins/rate-limit.ts overlappedLimits): a refused
// send still answers 429 and stores nothing, and the provider is not called.
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'Fine.', chunks: 2 });
  t = await buildTestApp({ env: { RATE_LIMIT_CHAT_PER_MIN: '2' } });
  alice = await registerUser(t.app);
  await activateProvider(t.app, alice, {
    provider: 'openai',
    api_key: 'sk-test-limit-0123456789',
    base_url: fake.url,
  });
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
});
