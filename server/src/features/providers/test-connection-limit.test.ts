import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { appWithTwoUsers, type TestUser } from '../../../test/helpers/factories.js';

// POST /v1/providers/test calls the provider each time: a per-user limit (RATE_LIMIT_HEALTH_CHECK_PER_MIN, the
// same budget as an endpoint's "Check now") keeps a loop from hammering a provider through the server.
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini'] });
  ({ t, alice, bob } = await appWithTwoUsers({ env: { RATE_LIMIT_HEALTH_CHECK_PER_MIN: '2' } }));
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const test = (u: TestUser) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/providers/test',
    headers: u.headers,
    payload: { provider: 'openai', api_key: 'sk-limit-0123456789', base_url: fake.url },
  });

describe('POST /v1/providers/test rate limit', () => {
  it('answers 429 with Retry-After once the per-user budget is spent, without calling the provider', async () => {
    for (let i = 0; i < 2; i++) expect((await test(alice)).statusCode).toBe(200);
    const calls = fake.requestsTo('models').length;
    const refused = await test(alice);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const body = json<{ error: { code: string; message: string } }>(refused);
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toContain('connection tests');
    expect(fake.requestsTo('models').length).toBe(calls);
  });

  it("counts per user: Bob's budget is his own", async () => {
    expect((await test(bob)).statusCode).toBe(200);
  });
});
