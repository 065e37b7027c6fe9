/**
 * Every route of the OpenAPI document, hit with hostile input in every path, query, header and body field
 * (NUL, lone surrogates, empty bodies, wrong types, huge values, bad multipart, bad ids): no answer may be a
 * 5xx, and every error answers the one shape `{error:{code,message,request_id}}` (OpenAI's under /openai/v1).
 * Prints the counts.
 */
import { errorBodySchema } from '@pocketllm/contracts';
import type { HTTPMethods, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { startFakeOllama } from '../test/fakes/ollama.js';
import { startFakeOpenAI } from '../test/fakes/openai.js';
import { buildTestApp, json, type TestApp } from '../test/helpers/build-test-app.js';
import { logIn, registerUser, type TestUser } from '../test/helpers/factories.js';
import type { Operation } from '../test/helpers/fuzz.js';
import { casesFor, MULTIPART } from '../test/helpers/fuzz-cases.js';
import { multipartBody, PNG_BYTES } from '../test/helpers/multipart.js';

let t: TestApp;
let admin: TestUser;
let fakes: { close(): Promise<void> }[] = [];
/** Real ids of the admin's resources (and `other`'s user id), so a broken field is the only thing wrong. */
const ids: Record<string, string> = {};

async function call(method: HTTPMethods, url: string, payload?: Record<string, unknown>) {
  const res = await t.app.inject({
    method,
    url,
    headers: admin.headers,
    ...(payload === undefined ? {} : { payload }),
  });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return json<Record<string, unknown>>(res);
}

beforeAll(async () => {
  const openai = await startFakeOpenAI({ reply: 'Hello from the fake', chunks: 2 });
  const ollama = await startFakeOllama({});
  fakes = [openai, ollama];
  // GET /v1/events never ends by itself: its streams are closed after 0.1 s here, so each case gets its answer.
  t = await buildTestApp({
    startLifecycle: true,
    env: { MAX_UPLOAD_MB: '0.1', EVENTS_MAX_LIFETIME_S: '0.1', RATE_LIMIT_API_KEY_PER_MIN: '1000000' },
  });
  admin = await registerUser(t.app);
  ids.user = (await registerUser(t.app)).id;
  await call('POST', '/v1/providers/activate', {
    provider: 'openai',
    api_key: 'sk-fuzz-0123',
    base_url: openai.url,
  });
  ids.localModel = String((await call('POST', '/v1/local-models', { name: 'lm', base_url: ollama.url })).id);
  ids.modelConfig = String(
    (
      await call('POST', '/v1/model-configs', {
        name: 'mc',
        provider: 'openai',
        model: 'gpt-4o-mini',
        is_default: true,
      })
    ).id,
  );
  ids.chat = String((await call('POST', '/v1/chats', { title: 'fuzz' })).id);
  const sent = await call('POST', `/v1/chats/${ids.chat}/messages`, { content: 'hi', stream: false });
  const answer = sent.assistant_message;
  ids.message = typeof answer === 'object' && answer !== null && 'id' in answer ? String(answer.id) : '';
  // /openai/v1 takes a personal API key; /v1/api-keys/{id} gets another one to delete.
  ids.apiKey = String((await call('POST', '/v1/api-keys', { name: 'fuzz' })).key);
  ids.apiKeyId = String((await call('POST', '/v1/api-keys', { name: 'fuzz-delete' })).id);
  ids.template = String((await call('POST', '/v1/templates', { name: 't', content: 'Hi {{name}}' })).id);
  ids.session = String((await call('POST', '/v1/sessions', {})).session_id);
  ids.invite = String((await call('POST', '/v1/admin/invites', {})).code);
  const job = await call('POST', '/v1/images/generations', {
    prompt: 'a cat',
    model: 'dall-e-3',
    provider: 'openai',
  });
  ids.job = String(job.job_id);
  const file = multipartBody([{ name: 'file', filename: 'a.png', content: PNG_BYTES }]);
  const up = await t.app.inject({
    method: 'POST',
    url: '/v1/files',
    headers: { ...admin.headers, ...file.headers },
    payload: file.payload,
  });
  ids.file = String(json(up).id);
  const avatar = multipartBody([{ name: 'file', filename: 'a.png', content: PNG_BYTES }]);
  const av = await t.app.inject({
    method: 'PUT',
    url: '/v1/users/me/avatar',
    headers: { ...admin.headers, ...avatar.headers },
    payload: avatar.payload,
  });
  ids.avatar = String(json(av).avatar_url).split('/').pop() ?? '';
});
afterAll(async () => {
  await t?.close();
  await Promise.all(fakes.map((f) => f.close()));
});

/** The real value for a path parameter of `route`. */
function pathValue(route: string, name: string): string {
  const table: [RegExp, string | undefined][] = [
    [/^\/v1\/(admin\/)?users\/\{id\}/, ids.user],
    [/^\/v1\/admin\/invites\//, ids.invite],
    [/^\/v1\/providers\//, 'openai'],
    [/^\/v1\/local-models\//, ids.localModel],
    [/^\/v1\/model-configs\//, ids.modelConfig],
    [/^\/v1\/chats\//, ids.chat],
    [/^\/v1\/messages\//, ids.message],
    [/^\/v1\/jobs\//, ids.job],
    [/^\/v1\/files\/public\//, ids.avatar],
    [/^\/v1\/files\//, ids.file],
    [/^\/v1\/templates\//, ids.template],
    [/^\/v1\/sessions\//, ids.session],
    // Any well-formed token: an unknown one is a 404 like a revoked one.
    [/^\/v1\/shared\//, 'A'.repeat(43)],
    [/^\/v1\/api-keys\//, ids.apiKeyId],
  ];
  const hit = table.find(([re]) => re.test(route))?.[1];
  if (!hit) throw new Error(`no id for {${name}} in ${route}`);
  return hit;
}

// These end the caller's session or account: they run last, and the session is renewed after logout.
const LAST = ['POST /v1/auth/logout', 'DELETE /v1/users/me'];
// Run with the deletions: a provider or model config pointed elsewhere would make every later send a
// (correct) 502 from an unreachable upstream.
const LATE = ['PATCH /v1/providers/{provider}', 'PATCH /v1/model-configs/{id}'];

const openaiErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    code: z.string().nullable(),
    param: z.string().nullable(),
  }),
});

/**
 * The one error body (contracts/src/errors.ts), checked with the contract's own schema; the OpenAI-compatible
 * API (/openai/v1) answers OpenAI's error shape instead, so its SDKs read it.
 */
function isErrorShape(route: string, res: LightMyRequestResponse): boolean {
  try {
    const schema = route.startsWith('/openai/') ? openaiErrorBody : errorBodySchema;
    return schema.safeParse(JSON.parse(res.body)).success;
  } catch {
    return false;
  }
}

it('answers no 5xx and only the one error shape to hostile input on every route', async () => {
  const doc = json<{ paths: Record<string, Record<string, Operation>> }>(
    await t.app.inject({ method: 'GET', url: '/docs/json' }),
  );
  const ops = Object.entries(doc.paths).flatMap(([route, methods]) =>
    Object.entries(methods).map(([m, op]) => ({ method: m, key: `${m.toUpperCase()} ${route}`, route, op })),
  );
  for (const k of MULTIPART) expect(ops.map((o) => o.key)).toContain(k);
  // Deletions run after everything else so the ids stay valid; the session enders run last of all.
  const rank = (key: string) =>
    LAST.includes(key) ? 2 + LAST.indexOf(key) : key.startsWith('DELETE ') || LATE.includes(key) ? 1 : 0;
  ops.sort((a, b) => rank(a.key) - rank(b.key));

  const fuzzIds = { pathValue, uuid: ids.modelConfig ?? '', chatId: ids.chat ?? '' };
  const statuses: Record<number, number> = {};
  const byPlace: Record<string, number> = {};
  const failures: string[] = [];
  let tried = 0;
  const started = Date.now();
  for (const { method, key, route, op } of ops) {
    for (const c of casesFor(key, route, op, t.config.bodyLimitBytes, fuzzIds)) {
      const res = await t.app.inject({
        method,
        url: c.url,
        headers: {
          ...(route.startsWith('/openai/') ? { authorization: `Bearer ${ids.apiKey}` } : admin.headers),
          ...c.headers,
        },
        ...(c.payload === undefined || (c.payload === '' && !c.headers) ? {} : { payload: c.payload }),
      });
      tried += 1;
      const place = c.name.split(/[.=]/)[0] ?? c.name;
      byPlace[place] = (byPlace[place] ?? 0) + 1;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      const what = `${key} [${c.name}] → ${res.statusCode} ${res.body.slice(0, 300)}`;
      if (res.statusCode >= 500) failures.push(what);
      else if (res.statusCode >= 400 && !isErrorShape(route, res)) failures.push(`shape: ${what}`);
      if (key === 'POST /v1/auth/logout' && res.statusCode === 204) {
        const login = await logIn(t.app, admin.email, admin.password);
        admin = {
          ...admin,
          headers: { authorization: `Bearer ${json<{ access_token: string }>(login).access_token}` },
        };
      }
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `api fuzz: ${ops.length} routes, ${tried} requests in ${seconds}s (by place ${JSON.stringify(byPlace)}); ` +
      `statuses ${JSON.stringify(statuses)}; ` +
      `${failures.length} failures`,
  );
  if (failures.length) console.log(failures.join('\n'));
  expect(failures).toEqual([]);
}, 120_000);
