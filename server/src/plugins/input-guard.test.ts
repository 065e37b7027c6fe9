import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama, startFakeOpenAI } from '../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../test/helpers/build-test-app.js';
import { activateOpenAI, registerUser, type TestUser } from '../../test/helpers/factories.js';
import { multipartBody, PNG_BYTES } from '../../test/helpers/multipart.js';
import { parseSse } from '../../test/helpers/sse.js';
import { cleanProviderText, findUnstorable } from '../lib/text.js';

let t: TestApp;
let fake: FakeServer;
let u: TestUser;
let chatId: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'Hel\u0000lo \ud800world', chunks: 3 });
  t = await buildTestApp();
  u = await registerUser(t.app);
  await activateOpenAI(t.app, u, fake.url, 'sk-guard-0123456789');
  chatId = json<{ id: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/chats', headers: u.headers, payload: {} }),
  ).id;
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

type ErrorBody = { error: { code: string; message: string; details: { field: string }; request_id: string } };

function expectRefused(res: LightMyRequestResponse, field: string) {
  expect(res.statusCode, res.body).toBe(400);
  const body = json<ErrorBody>(res);
  expect(body.error.code).toBe('validation_error');
  expect(body.error.details.field).toBe(field);
  expect(body.error.message.startsWith(`${field}: `)).toBe(true);
  expect(body.error.request_id).toBeTruthy();
}

describe('request input PostgreSQL cannot store', () => {
  it('refuses NUL in a body field of a public route, naming the field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/waitlist',
      payload: { email: 'nul@example.com', name: 'a\u0000b' },
    });
    expectRefused(res, 'name');
    expect(json<ErrorBody>(res).error.message).toContain('NUL');
  });

  it('refuses a lone surrogate, and NUL in a key, in a body stored as JSON', async () => {
    const lone = await t.app.inject({
      method: 'POST',
      url: '/v1/waitlist',
      payload: { email: 'lone@example.com', metadata: { note: 'x\ud800' } },
    });
    expectRefused(lone, 'metadata.note');
    expect(json<ErrorBody>(lone).error.message).toContain('surrogate');
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/waitlist',
      payload: { email: 'key@example.com', metadata: { 'a\u0000': 1 } },
    });
    expectRefused(key, 'metadata');
  });

  it('refuses JSON nested deeper than anything needs, before anything recurses into it', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/waitlist',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":"deep@example.com","metadata":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(json<ErrorBody>(res).error.details.field).toMatch(/^metadata\.a(\.0)+$/);
  });

  it('refuses NUL in the chat send, a query parameter and a path parameter', async () => {
    const send = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: u.headers,
      payload: { content: 'hi\u0000', provider: 'openai', model: 'gpt-test' },
    });
    expectRefused(send, 'content');
    const search = await t.app.inject({ method: 'GET', url: '/v1/search?q=a%00b', headers: u.headers });
    expectRefused(search, 'query.q');
    const path = await t.app.inject({ method: 'GET', url: '/v1/chats/a%00b', headers: u.headers });
    expectRefused(path, 'params.id');
  });

  it('refuses NUL in an uploaded file name', async () => {
    const body = multipartBody([{ name: 'file', filename: 'a\u0000.png', content: PNG_BYTES }]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/files',
      headers: { ...u.headers, ...body.headers },
      payload: body.payload,
    });
    expectRefused(res, 'filename');
  });
});

describe('provider output PostgreSQL cannot store', () => {
  it('strips NUL and replaces a lone surrogate, so the answer completes and is stored', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: u.headers,
      payload: { content: 'say it', provider: 'openai', model: 'gpt-test', stream: false },
    });
    expect(res.statusCode, res.body).toBe(201);
    const answer = json<{ assistant_message: { id: string; content: string; status: string } }>(res);
    expect(answer.assistant_message).toMatchObject({ content: 'Hello \ufffdworld', status: 'completed' });
    const stored = await t.app.inject({
      method: 'GET',
      url: `/v1/messages/${answer.assistant_message.id}`,
      headers: u.headers,
    });
    expect(json(stored)).toMatchObject({ content: 'Hello \ufffdworld', status: 'completed' });
  });

  it('streams the cleaned text, and the stored answer matches what was streamed', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: u.headers,
      payload: { content: 'again', provider: 'openai', model: 'gpt-test', stream: true },
    });
    const events = parseSse(res.body);
    const streamed = events
      .filter((e) => e.event === 'delta')
      .map((e) => String(e.data.content))
      .join('');
    expect(streamed).toBe('Hello \ufffdworld');
    const done = events.find((e) => e.event === 'message.completed');
    expect(done?.data.message).toMatchObject({ content: streamed, status: 'completed' });
  });

  it('stores a failed answer whose provider error text holds a NUL', async () => {
    fake.setBehavior({
      kind: 'http_error',
      status: 400,
      body: '{"error":{"message":"bad\\u0000input\\ud800"}}',
    });
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/chats/${chatId}/messages`,
        headers: u.headers,
        payload: { content: 'fail please', provider: 'openai', model: 'gpt-test', stream: false },
      });
      const id = String(
        json<{ error: { details: { assistant_message_id: string } } }>(res).error.details
          .assistant_message_id,
      );
      const stored = await t.app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: u.headers });
      expect(json(stored)).toMatchObject({ status: 'failed' });
    } finally {
      fake.setBehavior('normal');
    }
  });

  it('keeps ordinary text, emoji pairs included, untouched', () => {
    expect(cleanProviderText('ok 😀 fine')).toBe('ok 😀 fine');
    expect(cleanProviderText('\udc00a\u0000\ud83d')).toBe('\ufffda\ufffd');
    expect(findUnstorable({ a: ['ok', '😀'] }, '')).toBeNull();
  });
});

describe('endpoint model names PostgreSQL cannot store', () => {
  it('cleans a NUL or lone surrogate out of discovered model names', async () => {
    const ollama = await startFakeOllama({ models: ['llama\u0000:8b', 'qwen\ud800'] });
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/local-models',
        headers: u.headers,
        payload: { name: 'odd names', base_url: ollama.url },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(json(res)).toMatchObject({ available_models: ['llama:8b', 'qwen\ufffd'] });
    } finally {
      await ollama.close();
    }
  });
});
