import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../test/helpers/build-test-app.js';
import { activateOpenAI, registerUser, type TestUser } from '../../test/helpers/factories.js';
import { createKey, keyHeaders } from '../../test/helpers/openai-gateway.js';

/**
 * The routes of the tree/share/import/events/API-key wave, fed what a careless or hostile client sends: odd ids,
 * bodies of the wrong kind, values at and past the edges. Each answer must be a 4xx in the error table's shape,
 * never a 5xx (which would mean an input reached the database or a library unchecked).
 */
let t: TestApp;
let fake: FakeServer;
let admin: TestUser;
let user: TestUser;
let key = '';
const ids: Record<string, string> = {};

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'Fine.', chunks: 2 });
  t = await buildTestApp();
  admin = await registerUser(t.app);
  user = await registerUser(t.app);
  await activateOpenAI(t.app, user, fake.url);
  const sent = await t.app.inject({
    method: 'POST',
    url: '/v1/chats/new/messages',
    headers: user.headers,
    payload: { content: 'Hello', provider: 'openai', model: 'gpt-4o-mini' },
  });
  expect(sent.statusCode, sent.body).toBe(201);
  const turn = json<{ user_message: { id: string; chat_id: string }; assistant_message: { id: string } }>(
    sent,
  );
  ids.chat = turn.user_message.chat_id;
  ids.prompt = turn.user_message.id;
  ids.answer = turn.assistant_message.id;
  key = (await createKey(t.app, user, { name: 'odd' })).key;
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const ODD_IDS = [
  'nope',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  "1' or '1'='1",
  '%00',
  '%E2%80%8B',
  'a'.repeat(2000),
  '-1',
  '1e309',
];
const ODD_BODIES: unknown[] = [
  null,
  [],
  'text',
  42,
  { content: 'x'.repeat(300_000) },
  { content: { nested: true } },
  { message_id: ['x'] },
  { message_id: null },
  { parent_id: 12, content: 'x' },
  { expires_in_s: 1e308 },
  { expires_in_s: -1 },
  { expires_in_s: '60' },
  { name: '\u0000' },
  { name: 'k', expires_at: '2020-02-31T00:00:00Z' },
  { name: 'k', expires_at: '9999-12-31T23:59:59Z' },
  { name: 'k', expires_at: '2020-01-01T00:00:00Z' },
  { name: 'k', scopes: ['chat', 'chat', 'chat'] },
  { params: { temperature: Number.MAX_VALUE, max_tokens: 1e12 } },
  { model_config_id: 'nope' },
  { provider: 'nope', model: 'x' },
  { attachments: ['nope', 'nope'] },
  { content: 'x', attachments: 'nope' },
];

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
const routes = (id: string): [Method, string][] => [
  ['POST', `/v1/messages/${id}/regenerate`],
  ['POST', `/v1/messages/${id}/edit`],
  ['PUT', `/v1/chats/${id}/leaf`],
  ['POST', `/v1/chats/${id}/share`],
  ['DELETE', `/v1/chats/${id}/share`],
  ['GET', `/v1/chats/${id}/share`],
  ['GET', `/v1/shared/${id}`],
  ['DELETE', `/v1/api-keys/${id}`],
  ['GET', `/v1/jobs/${id}`],
];

const serverErrors: string[] = [];
async function probe(
  method: Method,
  url: string,
  headers: Record<string, string>,
  payload?: unknown,
  contentType = 'application/json',
) {
  const withBody = payload !== undefined && method !== 'GET';
  const res = await t.app.inject({
    method,
    url,
    headers: withBody ? { ...headers, 'content-type': contentType } : headers,
    ...(withBody ? { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) } : {}),
  });
  if (res.statusCode >= 500)
    serverErrors.push(
      `${res.statusCode} ${method} ${url.slice(0, 120)} ${JSON.stringify(payload)?.slice(0, 80)}: ${res.body.slice(0, 200)}`,
    );
  else if (res.statusCode >= 400) expect(json(res), `${method} ${url}`).toHaveProperty('error');
  return res;
}

it('odd ids and bodies on the tree, share, job and key routes are 4xx, never 5xx', async () => {
  for (const id of [...ODD_IDS, ids.chat ?? '', ids.prompt ?? '', ids.answer ?? '']) {
    for (const [method, url] of routes(encodeURIComponent(id).replaceAll('%25', '%'))) {
      for (const body of method === 'GET' || method === 'DELETE' ? [undefined] : ODD_BODIES) {
        await probe(method, url, user.headers, body);
      }
    }
  }
  for (const body of ODD_BODIES) {
    await probe('POST', '/v1/api-keys', user.headers, body);
    await probe('POST', `/v1/chats/${ids.chat}/messages`, user.headers, body);
  }
  // A body that is not JSON at all, or declared as something else.
  await probe(
    'POST',
    `/v1/messages/${ids.answer}/regenerate`,
    user.headers,
    '{"stream":',
    'application/json',
  );
  await probe('PUT', `/v1/chats/${ids.chat}/leaf`, user.headers, 'message_id=x', 'text/plain');
  await probe('POST', '/v1/chats/import', user.headers, '{"a":1}', 'application/json');
  await probe('POST', '/v1/chats/import', user.headers, '--x\r\n\r\n', 'multipart/form-data; boundary=x');
  expect(serverErrors).toEqual([]);
});

it('odd queries and headers on events, audit, status and setup are 4xx, never 5xx', async () => {
  for (const last of ['-1', 'x', '1e309', '9'.repeat(400), '0-0', '1-', '\u00ff']) {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/events',
      headers: { ...user.headers, 'last-event-id': last },
      payloadAsStream: true,
    });
    if (res.statusCode >= 500) serverErrors.push(`${res.statusCode} /v1/events Last-Event-ID ${last}`);
    res.stream().destroy();
  }
  for (const q of [
    'limit=0',
    'limit=-5',
    'limit=abc',
    'limit=1e9',
    'cursor=zzz',
    `cursor=${'a'.repeat(512)}`,
    'cursor=eyJ4IjoxfQ',
    'cursor=MjAyMC0wMS0wMQ',
    'actor=nope',
    'actor=x@example.com',
    'actor=00000000-0000-0000-0000-000000000000',
    'action=DROP TABLE',
    'since=2020-02-31T00:00:00Z',
    'since=9999-12-31T23:59:59Z&until=0001-01-01T00:00:00Z',
    'since=yesterday',
  ]) {
    await probe('GET', `/v1/admin/audit?${q}`, admin.headers);
    await probe('GET', `/v1/admin/audit?${q}`, user.headers);
  }
  await probe('GET', '/v1/admin/status', admin.headers);
  await probe('GET', '/v1/admin/status?x=1', user.headers);
  await probe('GET', '/v1/auth/setup?x=%00', {});
  expect(serverErrors).toEqual([]);
});

it('odd bodies on /openai/v1 are 4xx in OpenAI’s shape, never 5xx', async () => {
  const bodies: unknown[] = [
    null,
    [],
    {},
    { model: 'openai/gpt-4o-mini' },
    { model: 'openai/gpt-4o-mini', messages: [] },
    { model: 'openai/gpt-4o-mini', messages: [{ role: 'wizard', content: 'hi' }] },
    { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'nope' }] }] },
    { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: null }] },
    { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], n: 1e9 },
    { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 'hot' },
    { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stop: [1, 2] },
    { model: '', messages: [{ role: 'user', content: 'hi' }] },
    { model: '/', messages: [{ role: 'user', content: 'hi' }] },
    { model: 'nope/nope/nope', messages: [{ role: 'user', content: 'hi' }] },
    { model: 'x'.repeat(5000), messages: [{ role: 'user', content: 'hi' }] },
  ];
  for (const body of bodies) {
    await probe('POST', '/openai/v1/chat/completions', keyHeaders(key), body);
    await probe('POST', '/openai/v1/embeddings', keyHeaders(key), body);
  }
  for (const chat of ['nope', '00000000-0000-0000-0000-000000000000', 'a'.repeat(300)]) {
    await probe(
      'POST',
      '/openai/v1/chat/completions',
      { ...keyHeaders(key), 'x-pocketllm-chat': chat },
      { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    );
  }
  await probe('GET', '/openai/v1/models/nope', keyHeaders(key));
  await probe('GET', '/openai/v1/nope', keyHeaders(key));
  expect(serverErrors).toEqual([]);
});
