import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { appWithTwoUsers, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { activate, createKey, keyHeaders } from '../../../test/helpers/openai-gateway.js';
import { apiKeys, requestLog } from '../../db/schema/index.js';

let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'Hi there.' });
  ({ t, alice, bob } = await appWithTwoUsers({ env: { RATE_LIMIT_API_KEY_PER_MIN: '5' } }));
  await activate(t.app, alice, 'openai', fake.url, 'sk-openai-test-key');
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

type View = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  last_used_at: string | null;
  expires_at: string | null;
};
const list = async (u: TestUser) =>
  json<{ api_keys: (View & { key?: string })[] }>(
    await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: u.headers }),
  ).api_keys;
const models = (key: string) =>
  t.app.inject({ method: 'GET', url: '/openai/v1/models', headers: keyHeaders(key) });
const chat = (key: string) =>
  t.app.inject({
    method: 'POST',
    url: '/openai/v1/chat/completions',
    headers: keyHeaders(key),
    payload: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  });

describe('/v1/api-keys', () => {
  it('answers the key once; only its hash is stored; the list shows name, prefix, scopes and dates', async () => {
    const created = await createKey(t.app, alice, { name: 'editor', scopes: ['chat'] });
    expect(created.key).toMatch(/^pk-[A-Za-z0-9_-]{43}$/);
    const row = (await t.database.db.select().from(apiKeys).where(eq(apiKeys.id, created.id)))[0];
    expect(row?.keyHash).not.toContain(created.key);
    expect(JSON.stringify(row)).not.toContain(created.key.slice(10));
    const mine = (await list(alice)).find((k) => k.id === created.id);
    expect(mine).toMatchObject({ name: 'editor', prefix: created.key.slice(0, 10), scopes: ['chat'] });
    expect(mine?.key).toBeUndefined();
    expect(JSON.stringify(await list(alice))).not.toContain(created.key);
    expect(await list(bob)).toEqual([]);
  });

  it('400 names the field; 401 without a token; another user’s key is a 404', async () => {
    const noName = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: alice.headers,
      payload: {},
    });
    expect(noName.statusCode).toBe(400);
    expect(json<{ error: { details: { field: string } } }>(noName).error.details.field).toBe('name');
    const badScope = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: alice.headers,
      payload: { name: 'x', scopes: ['admin'] },
    });
    expect(badScope.statusCode).toBe(400);
    expect(json<{ error: { details: { field: string } } }>(badScope).error.details.field).toMatch(/^scopes/);
    const past = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: alice.headers,
      payload: { name: 'x', expires_at: '2020-01-01T00:00:00Z' },
    });
    expect(past.statusCode).toBe(400);
    expect(json<{ error: { details: { field: string } } }>(past).error.details.field).toBe('expires_at');
    expect((await t.app.inject({ method: 'GET', url: '/v1/api-keys' })).statusCode).toBe(401);
    const { id, key } = await createKey(t.app, alice);
    const anonymous = [
      await t.app.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'x' } }),
      await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}` }),
    ];
    expect(anonymous.map((r) => r.statusCode)).toEqual([401, 401]);
    const other = await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: bob.headers });
    expect(other.statusCode).toBe(404);
    expect((await models(key)).statusCode).toBe(200);
  });

  it('a revoked key is refused at once', async () => {
    const { id, key } = await createKey(t.app, alice);
    expect((await models(key)).statusCode).toBe(200);
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: alice.headers });
    expect(del.statusCode).toBe(204);
    const after = await models(key);
    expect(after.statusCode).toBe(401);
    expect(json<{ error: { type: string; code: string } }>(after).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
    expect((await list(alice)).some((k) => k.id === id)).toBe(false);
  });

  it('records when a key was last used (written off the request path)', async () => {
    const { id, key } = await createKey(t.app, alice);
    expect((await list(alice)).find((k) => k.id === id)?.last_used_at).toBeNull();
    expect((await models(key)).statusCode).toBe(200);
    await t.app.ctx.services.apiKeys.flushTouches();
    expect((await list(alice)).find((k) => k.id === id)?.last_used_at).not.toBeNull();
  });
});

describe('what a key may do', () => {
  it('a key without the scope is a 403 permission_error', async () => {
    const { key } = await createKey(t.app, alice, { scopes: ['models'] });
    expect((await models(key)).statusCode).toBe(200);
    const res = await chat(key);
    expect(res.statusCode).toBe(403);
    expect(json<{ error: { type: string; code: string } }>(res).error).toMatchObject({
      type: 'permission_error',
      code: 'insufficient_scope',
    });
  });

  it('an expired key is a 401', async () => {
    const { id, key } = await createKey(t.app, alice, {
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await t.database.db
      .update(apiKeys)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(eq(apiKeys.id, id));
    const res = await models(key);
    expect(res.statusCode).toBe(401);
    expect(json<{ error: { code: string } }>(res).error.code).toBe('expired_api_key');
  });

  it('no key, a malformed header, a session token on /openai/v1, and a key on /v1 are all 401', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/openai/v1/models' });
    expect(none.statusCode).toBe(401);
    expect(json<{ error: { message: string; type: string; param: null } }>(none).error).toMatchObject({
      type: 'invalid_request_error',
      param: null,
    });
    expect(
      (await t.app.inject({ method: 'GET', url: '/openai/v1/models', headers: alice.headers })).statusCode,
    ).toBe(401);
    expect((await models('pk-not-a-real-key')).statusCode).toBe(401);
    const { key } = await createKey(t.app, alice);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/chats', headers: keyHeaders(key) })).statusCode,
    ).toBe(401);
  });

  it('each key has its own per-minute limit (429 with Retry-After in OpenAI’s shape)', async () => {
    const { key } = await createKey(t.app, bob);
    const { key: other } = await createKey(t.app, bob);
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await models(key)).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await models(key);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(json<{ error: { code: string } }>(limited).error.code).toBe('rate_limit_exceeded');
    expect((await models(other)).statusCode).toBe(200);
  });

  it('usage names the key; deleting the account deletes its keys', async () => {
    const carol = await registerUser(t.app);
    await activate(t.app, carol, 'openai', fake.url, 'sk-openai-test-key');
    const { key } = await createKey(t.app, carol, { name: 'notebook' });
    expect((await chat(key)).statusCode).toBe(200);
    await t.app.ctx.services.telemetry.flush();
    const rows = await t.database.db.select().from(requestLog).where(eq(requestLog.userId, carol.id));
    expect(rows.map((r) => r.apiKeyName)).toEqual(['notebook']);
    const usage = json<{ by_api_key: { name: string; requests: number }[] }>(
      await t.app.inject({ method: 'GET', url: '/v1/usage', headers: carol.headers }),
    );
    expect(usage.by_api_key).toEqual([expect.objectContaining({ name: 'notebook', requests: 1 })]);
    const del = await t.app.inject({ method: 'DELETE', url: '/v1/users/me', headers: carol.headers });
    expect(del.statusCode).toBe(204);
    expect((await models(key)).statusCode).toBe(401);
    expect(await t.database.db.select().from(apiKeys).where(eq(apiKeys.userId, carol.id))).toEqual([]);
  });
});
