import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateProvider, appWithTwoUsers, type TestUser } from '../../../test/helpers/factories.js';

// POST /v1/providers/test: try a key before saving it.

let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;
const KEY = 'sk-test-connection-0123456789';

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini', 'gpt-4o'] });
  ({ t, alice, bob } = await appWithTwoUsers());
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

type Result = {
  ok: boolean;
  models: string[];
  latency_ms: number;
  error: { code: string; message: string } | null;
};
const test = (u: TestUser | null, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/providers/test', ...(u ? { headers: u.headers } : {}), payload });
const providers = async (u: TestUser) =>
  json<{ providers: { provider: string; configured: boolean }[] }>(
    await t.app.inject({ method: 'GET', url: '/v1/providers', headers: u.headers }),
  ).providers;

describe('testing a provider connection', () => {
  it('lists the models with an unsaved key, sends it only to that base URL, and stores nothing', async () => {
    fake.reset();
    const res = await test(alice, { provider: 'openai', api_key: KEY, base_url: fake.url });
    expect(res.statusCode).toBe(200);
    const body = json<Result>(res);
    expect(body).toMatchObject({ ok: true, error: null });
    expect(body.models).toEqual(expect.arrayContaining(['gpt-4o-mini', 'gpt-4o']));
    expect(fake.requestsTo('models')[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect((await providers(alice)).find((p) => p.provider === 'openai')?.configured).toBe(false);
  });

  it("answers ok:false with the provider's error (and never the key) when it refuses", async () => {
    fake.setBehavior({ kind: 'http_error', status: 401 });
    const res = await test(alice, { provider: 'openai', api_key: KEY, base_url: fake.url });
    fake.setBehavior('normal');
    expect(res.statusCode).toBe(200);
    const body = json<Result>(res);
    expect(body).toMatchObject({ ok: false, models: [], error: { code: 'auth' } });
    expect(res.body).not.toContain(KEY);
  });

  it('uses the saved key with its own base URL, and wants the key again for another one', async () => {
    await activateProvider(t.app, alice, { provider: 'openai', api_key: KEY, base_url: fake.url });
    expect(json<Result>(await test(alice, { provider: 'openai' })).ok).toBe(true);
    const elsewhere = await test(alice, { provider: 'openai', base_url: 'http://127.0.0.1:9/v1' });
    expect(elsewhere.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(elsewhere).error.message).toContain('api_key');
  });

  it('answers 400 naming the field', async () => {
    const noProvider = await test(alice, { api_key: KEY });
    expect(noProvider.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(noProvider).error.message).toContain('provider');
    const unknown = await test(alice, { provider: 'nope', api_key: KEY });
    expect(json<{ error: { message: string } }>(unknown).error.message).toContain('provider');
    const badUrl = await test(alice, { provider: 'openai', api_key: KEY, base_url: 'ftp://x' });
    expect(badUrl.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(badUrl).error.message).toContain('base_url');
    const extra = await test(alice, { provider: 'openai', api_key: KEY, surprise: 1 });
    expect(extra.statusCode).toBe(400);
  });

  it('answers 401 without a token', async () => {
    expect((await test(null, { provider: 'openai', api_key: KEY })).statusCode).toBe(401);
  });

  it("never tries another user's saved key", async () => {
    fake.reset();
    const res = await test(bob, { provider: 'openai' });
    expect(res.statusCode).toBe(400);
    expect(json<{ error: { code: string } }>(res).error.code).toBe('provider_not_configured');
    expect(fake.requestsTo('models')).toHaveLength(0);
  });
});
