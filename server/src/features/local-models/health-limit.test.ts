import type { LocalModel } from '@pocketllm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';

// "Check now" makes an outbound request each time: a per-user limit keeps a loop from hammering the
// endpoint (and from using the server as a request cannon).
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;
let aliceEp: LocalModel;
let bobEp: LocalModel;

beforeAll(async () => {
  fake = await startFakeOllama({ models: ['m:1'] });
  t = await buildTestApp({
    env: { ALLOW_PRIVATE_ENDPOINTS: 'true', RATE_LIMIT_HEALTH_CHECK_PER_MIN: '3' },
  });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  const create = async (u: TestUser) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/local-models',
      headers: u.headers,
      payload: { name: 'box', base_url: fake.origin },
    });
    expect(res.statusCode).toBe(201);
    return json<LocalModel>(res);
  };
  aliceEp = await create(alice);
  bobEp = await create(bob);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const checkNow = (u: TestUser | null, id: string) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/local-models/${id}/health`,
    ...(u ? { headers: u.headers } : {}),
  });

describe('POST /v1/local-models/{id}/health', () => {
  it('runs a few checks a minute per user, then answers 429 with Retry-After without calling the endpoint', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await checkNow(alice, aliceEp.id);
      expect(res.statusCode).toBe(200);
      expect(json(res)).toMatchObject({ status: 'healthy' });
    }
    const callsBefore = fake.requests.length;
    const refused = await checkNow(alice, aliceEp.id);
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = json<{ error: { code: string; message: string; request_id: string } }>(refused);
    expect(body.error).toMatchObject({ code: 'rate_limited' });
    expect(body.error.message).toContain('health checks');
    expect(body.error.request_id).toBeTruthy();
    expect(fake.requests.length).toBe(callsBefore);
  });

  it("counts per user: Bob's checks are his own", async () => {
    expect((await checkNow(bob, bobEp.id)).statusCode).toBe(200);
  });

  it("answers 404 for another user's endpoint and 401 without a token", async () => {
    expect((await checkNow(bob, aliceEp.id)).statusCode).toBe(404);
    expect((await checkNow(null, aliceEp.id)).statusCode).toBe(401);
  });

  it('answers 400 naming the id when it is not one', async () => {
    const res = await checkNow(bob, 'not-a-uuid');
    expect(res.statusCode).toBe(400);
    expect(json<{ error: { details: { field: string } } }>(res).error.details.field).toBe('id');
  });
});
