import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { appWithTwoUsers, type TestUser } from '../../../test/helpers/factories.js';

let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'Volcanoes are openings in the crust.' });
  ({ t, alice, bob } = await appWithTwoUsers());
  await t.app.inject({
    method: 'POST',
    url: '/api/v1/providers/activate',
    headers: alice.headers,
    payload: { provider: 'openai', api_key: 'sk-portal-0123456789', base_url: fake.url },
  });
  const cfg = await t.app.inject({
    method: 'POST',
    url: '/api/v1/model-configs',
    headers: alice.headers,
    payload: { name: 'Default', provider: 'openai', model: 'gpt-test', is_default: true },
  });
  expect(cfg.statusCode).toBe(201);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

describe('portal contract (/api/v1)', () => {
  it('runs the MVP flow: session, chat (then cached), list, detail, search, delete', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: alice.headers,
      payload: { title: 'Geology' },
    });
    expect(created.statusCode).toBe(201);
    const { session_id } = json<{ session_id: string }>(created);

    const chat = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: alice.headers,
      payload: { session_id, prompt: 'What are volcanoes?' },
    });
    expect(chat.statusCode).toBe(200);
    expect(json(chat)).toMatchObject({ content: 'Volcanoes are openings in the crust.', cached: false });
    const repeated = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: alice.headers,
      payload: { session_id, prompt: 'What are volcanoes?' },
    });
    expect(json(repeated)).toMatchObject({ cached: true });

    const list = json<{ session_id: string; title: string; message_count: number }[]>(
      await t.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: alice.headers }),
    );
    expect(list[0]).toMatchObject({ session_id, title: 'Geology', message_count: 4 });

    const detail = json<{ messages: { role: string }[] }>(
      await t.app.inject({ method: 'GET', url: `/api/v1/sessions/${session_id}`, headers: alice.headers }),
    );
    expect(detail.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

    const found = json<{
      query: string;
      session_id: string;
      total_results: number;
      results: { role: string }[];
    }>(
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/sessions/${session_id}/search?q=volcano`,
        headers: alice.headers,
      }),
    );
    expect(found).toMatchObject({ query: 'volcano', session_id });
    expect(found.total_results).toBeGreaterThanOrEqual(2);

    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/sessions/${session_id}`,
      headers: alice.headers,
    });
    expect(del.statusCode).toBe(204);
    const gone = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sessions/${session_id}`,
      headers: alice.headers,
    });
    expect(gone.statusCode).toBe(404);
  });

  it('answers 400 naming the field, 401 without a token, 404 for another user’s session', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: alice.headers,
      payload: { session_id: 'nope', prompt: 'x' },
    });
    expect(json(bad)).toMatchObject({
      error: { code: 'validation_error', details: { field: 'session_id' } },
    });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/sessions' })).statusCode).toBe(401);

    const { session_id } = json<{ session_id: string }>(
      await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: alice.headers, payload: {} }),
    );
    for (const [method, url, payload] of [
      ['GET', `/v1/sessions/${session_id}`, undefined],
      ['DELETE', `/v1/sessions/${session_id}`, undefined],
      ['GET', `/v1/sessions/${session_id}/search?q=x`, undefined],
      ['POST', '/v1/chat', { session_id, prompt: 'hi' }],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: bob.headers, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
  });
});
