import { and, eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { auditLog, providerCredentials } from '../../db/schema/index.js';
import { AppError } from '../../errors.js';

const KEY = 'sk-test-abcdefghijklmnop1234';
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

interface Status {
  provider: string;
  configured: boolean;
  is_active: boolean;
  base_url: string | null;
  api_key_preview: string | null;
  metadata: Record<string, unknown>;
}

const activate = (u: TestUser, payload: unknown, contentType = 'application/json') =>
  t.app.inject({
    method: 'POST',
    url: '/v1/providers/activate',
    headers: { ...u.headers, 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

const fieldOf = (res: LightMyRequestResponse) =>
  json<{ error: { details?: { field?: string } } }>(res).error.details?.field;

async function credential(userId: string, provider: string) {
  const rows = await t.database.db
    .select()
    .from(providerCredentials)
    .where(and(eq(providerCredentials.userId, userId), eq(providerCredentials.provider, provider)));
  return rows[0];
}

describe('GET /providers', () => {
  it('lists every supported provider, unconfigured for a new user', async () => {
    const u = await registerUser(t.app);
    const res = await t.app.inject({ method: 'GET', url: '/v1/providers', headers: u.headers });
    expect(res.statusCode).toBe(200);
    const { providers } = json<{ providers: Status[] }>(res);
    expect(providers.map((p) => p.provider)).toEqual(
      expect.arrayContaining([
        'openai',
        'anthropic',
        'groq',
        'openrouter',
        'imagerouter',
        'ollama',
        'openai-compatible',
      ]),
    );
    expect(providers.every((p) => !p.configured && p.api_key_preview === null)).toBe(true);
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/providers' })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/providers/activate', payload: {} })).statusCode,
    ).toBe(401);
    expect(
      (await t.app.inject({ method: 'PATCH', url: '/v1/providers/openai', payload: {} })).statusCode,
    ).toBe(401);
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/providers/openai' })).statusCode).toBe(401);
  });
});

describe('POST /providers/activate', () => {
  it('stores the key sealed, answers only a preview, and never logs it', async () => {
    const u = await registerUser(t.app);
    const res = await activate(u, { provider: 'openai', api_key: KEY, metadata: { org: 'acme' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(KEY);
    expect(json<Status>(res)).toMatchObject({
      provider: 'openai',
      configured: true,
      is_active: true,
      base_url: 'https://api.openai.com/v1',
      api_key_preview: 'sk-…1234',
      metadata: { org: 'acme' },
    });
    const row = await credential(u.id, 'openai');
    expect(row?.apiKeyEnc).toBeTruthy();
    expect(row?.apiKeyEnc).not.toContain(KEY);
    expect(row?.apiKeyEnc).not.toContain(KEY.slice(3, 15));
    expect(row?.keyId).toBeTruthy();
    const list = await t.app.inject({ method: 'GET', url: '/v1/providers', headers: u.headers });
    expect(list.body).not.toContain(KEY);
    expect(t.logs.join('\n')).not.toContain(KEY);
    const target = await t.app.ctx.services.providers.resolveTarget(u.id, 'openai');
    expect(target).toEqual({
      provider: 'openai',
      adapter: 'openai-compatible',
      baseUrl: 'https://api.openai.com/v1',
      apiKey: KEY,
    });
  });

  it('accepts the body as a raw JSON string (text/plain or a JSON string literal)', async () => {
    const u = await registerUser(t.app);
    const object = { provider: 'anthropic', api_key: 'sk-ant-0123456789abcdef' };
    const asText = await activate(u, JSON.stringify(object), 'text/plain');
    expect(asText.statusCode).toBe(200);
    expect(json<Status>(asText)).toMatchObject({ provider: 'anthropic', configured: true });
    const literal = await activate(u, JSON.stringify(JSON.stringify({ ...object, provider: 'groq' })));
    expect(literal.statusCode).toBe(200);
    expect(json<Status>(literal)).toMatchObject({ provider: 'groq', configured: true });
    const notJson = await activate(u, 'provider=openai', 'text/plain');
    expect(notJson.statusCode).toBe(400);
    expect(fieldOf(notJson)).toBe('body');
    const notObject = await activate(u, JSON.stringify(JSON.stringify([1, 2])));
    expect(notObject.statusCode).toBe(400);
    expect(fieldOf(notObject)).toBe('body');
    const badInside = await activate(u, JSON.stringify({ provider: 'nope', api_key: 'x' }), 'text/plain');
    expect(badInside.statusCode).toBe(400);
    expect(fieldOf(badInside)).toBe('provider');
  });

  it('answers 400 naming the field: unknown provider, missing key, bad URL', async () => {
    const u = await registerUser(t.app);
    const unknown = await activate(u, { provider: 'skynet', api_key: KEY });
    expect(unknown.statusCode).toBe(400);
    expect(fieldOf(unknown)).toBe('provider');
    const noKey = await activate(u, { provider: 'openai' });
    expect(noKey.statusCode).toBe(400);
    expect(fieldOf(noKey)).toBe('api_key');
    for (const base_url of [
      'ftp://example.com',
      'http://user:pw@localhost',
      'http://',
      'https://localhost/?a=1',
      'http://169.254.169.254/v1',
    ]) {
      const bad = await activate(u, { provider: 'openai', api_key: KEY, base_url });
      expect(bad.statusCode, base_url).toBe(400);
      expect(fieldOf(bad)).toBe('base_url');
    }
    const noBase = await activate(u, { provider: 'openai-compatible' });
    expect(noBase.statusCode).toBe(400);
    expect(fieldOf(noBase)).toBe('base_url');
    const extra = await activate(u, { provider: 'openai', api_key: KEY, sneaky: true });
    expect(extra.statusCode).toBe(400);
  });

  it('adds Groq’s /openai/v1 to a bare domain', async () => {
    const u = await registerUser(t.app);
    const res = await activate(u, {
      provider: 'groq',
      api_key: 'gsk_0123456789abcdef',
      base_url: 'localhost',
    });
    expect(res.statusCode).toBe(200);
    expect(json<Status>(res).base_url).toBe('https://localhost/openai/v1');
  });

  it('lets a keyless provider resolve from its default URL without a row', async () => {
    const u = await registerUser(t.app);
    const { providers } = t.app.ctx.services;
    await expect(providers.resolveTarget(u.id, 'ollama')).resolves.toMatchObject({
      adapter: 'ollama',
      baseUrl: 'http://127.0.0.1:11434',
      apiKey: null,
    });
    const missing = await providers.resolveTarget(u.id, 'anthropic').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AppError);
    expect(missing).toMatchObject({ code: 'provider_not_configured', status: 400 });
    expect(String(missing instanceof Error ? missing.message : '')).toContain('Settings → Providers');
    await expect(providers.resolveTarget(u.id, 'openai-compatible')).rejects.toMatchObject({
      code: 'provider_not_configured',
    });
  });
});

describe('PATCH and DELETE /providers/{provider}', () => {
  it('updates settings, requires the key again to move it elsewhere, and audits every change', async () => {
    const u = await registerUser(t.app);
    expect((await activate(u, { provider: 'openrouter', api_key: KEY })).statusCode).toBe(200);
    const patch = (payload: unknown, provider = 'openrouter') =>
      t.app.inject({
        method: 'PATCH',
        url: `/v1/providers/${provider}`,
        headers: u.headers,
        payload: payload as object,
      });

    const off = await patch({ is_active: false, metadata: { note: 'paused' } });
    expect(off.statusCode).toBe(200);
    expect(json<Status>(off)).toMatchObject({ is_active: false, metadata: { note: 'paused' } });
    await expect(t.app.ctx.services.providers.resolveTarget(u.id, 'openrouter')).rejects.toMatchObject({
      code: 'provider_not_configured',
    });

    const moveWithoutKey = await patch({ base_url: 'http://127.0.0.9/v1' });
    expect(moveWithoutKey.statusCode).toBe(400);
    expect(fieldOf(moveWithoutKey)).toBe('api_key');
    const moved = await patch({
      base_url: 'http://localhost:4000/v1',
      api_key: 'sk-new-key-000000009999',
      is_active: true,
    });
    expect(moved.statusCode).toBe(200);
    expect(json<Status>(moved)).toMatchObject({
      base_url: 'http://localhost:4000/v1',
      api_key_preview: 'sk-…9999',
    });
    expect(moved.body).not.toContain('sk-new-key-000000009999');

    const dropKey = await patch({ api_key: null });
    expect(dropKey.statusCode).toBe(400);
    expect(fieldOf(dropKey)).toBe('api_key');
    const badTemp = await patch({ is_active: 'yes' });
    expect(badTemp.statusCode).toBe(400);
    expect(fieldOf(badTemp)).toBe('is_active');
    const unknown = await patch({ is_active: true }, 'skynet');
    expect(unknown.statusCode).toBe(400);
    expect(fieldOf(unknown)).toBe('provider');
    expect((await patch({ is_active: true }, 'anthropic')).statusCode).toBe(404);

    const del = await t.app.inject({ method: 'DELETE', url: '/v1/providers/openrouter', headers: u.headers });
    expect(del.statusCode).toBe(204);
    expect(await credential(u.id, 'openrouter')).toBeUndefined();
    const again = await t.app.inject({
      method: 'DELETE',
      url: '/v1/providers/openrouter',
      headers: u.headers,
    });
    expect(again.statusCode).toBe(404);

    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.actorId, u.id));
    expect(audit.map((a) => a.action).sort()).toEqual([
      'provider.activate',
      'provider.delete',
      'provider.update',
      'provider.update',
    ]);
    expect(JSON.stringify(audit)).not.toContain(KEY);
  });

  it("never shows or changes another user's credential", async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    expect((await activate(a, { provider: 'openai', api_key: KEY })).statusCode).toBe(200);
    const list = await t.app.inject({ method: 'GET', url: '/v1/providers', headers: b.headers });
    const openai = json<{ providers: Status[] }>(list).providers.find((p) => p.provider === 'openai');
    expect(openai).toMatchObject({ configured: false, api_key_preview: null });
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/v1/providers/openai',
      headers: b.headers,
      payload: { is_active: false },
    });
    expect(patch.statusCode).toBe(404);
    const del = await t.app.inject({ method: 'DELETE', url: '/v1/providers/openai', headers: b.headers });
    expect(del.statusCode).toBe(404);
    expect((await credential(a.id, 'openai'))?.isActive).toBe(true);
  });
});
