import { createServer } from 'node:http';
import type { LocalModel, LocalModelHealth } from '@pocketllm/contracts';
import { and, eq } from 'drizzle-orm';
import type { HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { auditLog, healthChecks } from '../../db/schema/index.js';

const KEY = 'sk-local-secret-0123456789abcdef';
let t: TestApp;
let ollama: FakeServer;
let openai: FakeServer;
let alice: TestUser;
let bob: TestUser;

/** A loopback port nobody listens on: connection refused at once. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const addr = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return `http://127.0.0.1:${addr.port}`;
}

beforeAll(async () => {
  t = await buildTestApp({ env: { ALLOW_PRIVATE_ENDPOINTS: 'true', HEALTH_CHECK_TIMEOUT_MS: '400' } });
  ollama = await startFakeOllama({ models: ['llama3.2:1b', 'qwen2:7b'], apiKey: KEY });
  openai = await startFakeOpenAI({ models: ['local-gpt', 'phi-3'] });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});
afterAll(async () => {
  await t.close();
  await ollama.close();
  await openai.close();
});

const create = (user: TestUser, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/local-models', headers: user.headers, payload });

describe('create and discovery', () => {
  it('creates an Ollama endpoint, discovers its models with the sealed key, and never returns the key', async () => {
    const res = await create(alice, { name: 'Home box', base_url: `${ollama.url}/`, api_key: KEY });
    expect(res.statusCode).toBe(201);
    const ep = json<LocalModel>(res);
    expect(ep).toMatchObject({
      name: 'Home box',
      base_url: ollama.url,
      endpoint_type: 'ollama',
      is_active: true,
      has_api_key: true,
      health_status: 'healthy',
      available_models: ['llama3.2:1b', 'qwen2:7b'],
      consecutive_failures: 0,
      circuit_open: false,
    });
    expect(ep.api_key_preview).toMatch(/^sk-…/);
    expect(ep.last_model_discovery).not.toBeNull();
    expect(res.body).not.toContain(KEY);
    expect(ollama.requests.at(-1)).toMatchObject({ path: '/api/tags' });
    expect(ollama.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
    const audit = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, ep.id), eq(auditLog.action, 'local_model.create')));
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(KEY);
    expect(t.logs.join('\n')).not.toContain(KEY);
    const checks = await t.database.db.select().from(healthChecks).where(eq(healthChecks.endpointId, ep.id));
    expect(checks).toHaveLength(1);
  });

  it('discovers an OpenAI-compatible endpoint through GET {base}/models', async () => {
    const res = await create(alice, {
      name: 'LM Studio',
      base_url: openai.url,
      endpoint_type: 'openai-compatible',
    });
    expect(res.statusCode).toBe(201);
    expect(json<LocalModel>(res)).toMatchObject({
      available_models: ['local-gpt', 'phi-3'],
      has_api_key: false,
    });
    expect(openai.requests.at(-1)?.path).toBe('/v1/models');
  });

  it('keeps an unreachable endpoint, unhealthy with no models', async () => {
    const res = await create(alice, { name: 'Off', base_url: await deadUrl(), endpoint_type: 'custom' });
    expect(res.statusCode).toBe(201);
    const ep = json<LocalModel>(res);
    expect(ep).toMatchObject({ health_status: 'unhealthy', available_models: [], consecutive_failures: 1 });
    expect(ep.error_message).toMatch(/ECONNREFUSED/);
  });

  it('answers 400 naming the field', async () => {
    const noName = await create(alice, { base_url: ollama.url });
    expect(noName.statusCode).toBe(400);
    expect(json(noName)).toMatchObject({ error: { code: 'validation_error', details: { field: 'name' } } });
    const badType = await create(alice, { name: 'x', base_url: ollama.url, endpoint_type: 'grpc' });
    expect(json(badType)).toMatchObject({ error: { details: { field: 'endpoint_type' } } });
    const metadata = await create(alice, { name: 'x', base_url: 'http://169.254.169.254/latest' });
    expect(metadata.statusCode).toBe(400);
    expect(json(metadata)).toMatchObject({
      error: { code: 'url_not_allowed', details: { field: 'base_url' } },
    });
    const scheme = await create(alice, { name: 'x', base_url: 'ftp://127.0.0.1/' });
    expect(json(scheme)).toMatchObject({
      error: { code: 'url_not_allowed', details: { field: 'base_url' } },
    });
  });

  it('answers 401 without a token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/local-models',
      payload: { name: 'x', base_url: ollama.url },
    });
    expect(res.statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/v1/local-models' })).statusCode).toBe(401);
  });
});

describe('read, update, delete', () => {
  it('lists only your own endpoints, paginated', async () => {
    const first = await t.app.inject({
      method: 'GET',
      url: '/v1/local-models?limit=2',
      headers: alice.headers,
    });
    const page1 = json<{ local_models: LocalModel[]; next_cursor: string | null }>(first);
    expect(page1.local_models).toHaveLength(2);
    expect(page1.next_cursor).not.toBeNull();
    const second = await t.app.inject({
      method: 'GET',
      url: `/v1/local-models?limit=2&cursor=${page1.next_cursor}`,
      headers: alice.headers,
    });
    const page2 = json<{ local_models: LocalModel[] }>(second);
    expect(page2.local_models.map((m) => m.name)).toEqual(['Off']);
    const bobs = json<{ local_models: LocalModel[] }>(
      await t.app.inject({ method: 'GET', url: '/v1/local-models', headers: bob.headers }),
    );
    expect(bobs.local_models).toEqual([]);
  });

  it("answers 404 for another user's endpoint on every route", async () => {
    const ep = json<LocalModel>(await create(alice, { name: 'Private', base_url: ollama.url, api_key: KEY }));
    const routes: [HTTPMethods, string][] = [
      ['GET', ''],
      ['PATCH', ''],
      ['PUT', ''],
      ['DELETE', ''],
      ['GET', '/models'],
      ['POST', '/models'],
      ['GET', '/health'],
      ['POST', '/health'],
      ['GET', '/usage'],
    ];
    for (const [method, suffix] of routes) {
      const res = await t.app.inject({
        method,
        url: `/v1/local-models/${ep.id}${suffix}`,
        headers: bob.headers,
        ...(method === 'PATCH' || method === 'PUT' ? { payload: { name: 'mine now' } } : {}),
      });
      expect(res.statusCode, `${method} ${suffix}`).toBe(404);
    }
    expect(
      json<LocalModel>(
        await t.app.inject({ method: 'GET', url: `/v1/local-models/${ep.id}`, headers: alice.headers }),
      ).name,
    ).toBe('Private');
  });

  it('updates fields, rediscovers on a new address, removes the key, and refuses a bad URL', async () => {
    const ep = json<LocalModel>(await create(alice, { name: 'Moving', base_url: ollama.url, api_key: KEY }));
    const renamed = await t.app.inject({
      method: 'PATCH',
      url: `/v1/local-models/${ep.id}`,
      headers: alice.headers,
      payload: { name: 'Moved', is_active: false },
    });
    expect(json<LocalModel>(renamed)).toMatchObject({ name: 'Moved', is_active: false, has_api_key: true });
    const moved = await t.app.inject({
      method: 'PATCH',
      url: `/v1/local-models/${ep.id}`,
      headers: alice.headers,
      payload: { base_url: openai.url, endpoint_type: 'openai-compatible', api_key: null },
    });
    expect(json<LocalModel>(moved)).toMatchObject({
      available_models: ['local-gpt', 'phi-3'],
      has_api_key: false,
      api_key_preview: null,
    });
    const bad = await t.app.inject({
      method: 'PATCH',
      url: `/v1/local-models/${ep.id}`,
      headers: alice.headers,
      payload: { base_url: 'http://metadata.google.internal/' },
    });
    expect(json(bad)).toMatchObject({ error: { code: 'url_not_allowed', details: { field: 'base_url' } } });
    const unknown = await t.app.inject({
      method: 'PATCH',
      url: `/v1/local-models/${ep.id}`,
      headers: alice.headers,
      payload: { colour: 'blue' },
    });
    expect(unknown.statusCode).toBe(400);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/local-models/${ep.id}`,
      headers: alice.headers,
    });
    expect(del.statusCode).toBe(204);
    expect(
      (await t.app.inject({ method: 'GET', url: `/v1/local-models/${ep.id}`, headers: alice.headers }))
        .statusCode,
    ).toBe(404);
    const actions = (await t.database.db.select().from(auditLog).where(eq(auditLog.targetId, ep.id))).map(
      (a) => a.action,
    );
    expect(actions.sort()).toEqual([
      'local_model.create',
      'local_model.delete',
      'local_model.update',
      'local_model.update',
    ]);
  });
});

describe('models and health', () => {
  it('rediscovers, reports a timeout as unhealthy, and recovers', async () => {
    const fake = await startFakeOllama({ models: ['a:1'] });
    try {
      const ep = json<LocalModel>(await create(alice, { name: 'Flaky', base_url: fake.url }));
      fake.configure({ models: ['a:1', 'b:2'] });
      const stored = await t.app.inject({
        method: 'GET',
        url: `/v1/local-models/${ep.id}/models`,
        headers: alice.headers,
      });
      expect(json(stored)).toMatchObject({ available_models: ['a:1'] });
      const again = await t.app.inject({
        method: 'POST',
        url: `/v1/local-models/${ep.id}/models`,
        headers: alice.headers,
      });
      expect(json(again)).toMatchObject({ available_models: ['a:1', 'b:2'], health_status: 'healthy' });

      fake.setBehavior('hang');
      const hung = await t.app.inject({
        method: 'POST',
        url: `/v1/local-models/${ep.id}/health`,
        headers: alice.headers,
      });
      const h = json<LocalModelHealth>(hung);
      expect(h).toMatchObject({
        status: 'unhealthy',
        error_message: 'no answer within 400 ms',
        consecutive_failures: 1,
      });
      expect(h.available_models).toEqual(['a:1', 'b:2']);
      const last = await t.app.inject({
        method: 'GET',
        url: `/v1/local-models/${ep.id}/health`,
        headers: alice.headers,
      });
      expect(json(last)).toEqual(h);

      fake.setBehavior({ kind: 'http_error', status: 500 });
      const failed = json<LocalModelHealth>(
        await t.app.inject({
          method: 'POST',
          url: `/v1/local-models/${ep.id}/health`,
          headers: alice.headers,
        }),
      );
      expect(failed).toMatchObject({
        status: 'unhealthy',
        error_message: 'HTTP 500',
        consecutive_failures: 2,
      });

      fake.setBehavior('normal');
      const ok = json<LocalModelHealth>(
        await t.app.inject({
          method: 'POST',
          url: `/v1/local-models/${ep.id}/health`,
          headers: alice.headers,
        }),
      );
      expect(ok).toMatchObject({ status: 'healthy', error_message: null, consecutive_failures: 0 });
      expect(ok.response_time_ms).toBeGreaterThanOrEqual(0);
    } finally {
      await fake.close();
    }
  });

  it('cuts off an endpoint that answers with megabytes instead of a model list', async () => {
    const big = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"data":[${'"x",'.repeat(800_000)}"x"]}`);
    });
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
    const addr = big.address();
    if (!addr || typeof addr === 'string') throw new Error('no port');
    try {
      const res = await create(alice, {
        name: 'Big',
        base_url: `http://127.0.0.1:${addr.port}/v1`,
        endpoint_type: 'openai-compatible',
      });
      expect(json<LocalModel>(res)).toMatchObject({
        health_status: 'unhealthy',
        error_message: 'the answer is larger than 2 MB',
        available_models: [],
      });
    } finally {
      big.closeAllConnections();
      await new Promise<void>((resolve) => big.close(() => resolve()));
    }
  });

  it('lists active endpoint models in GET /models with the endpoint and its health', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/models', headers: alice.headers });
    expect(res.statusCode).toBe(200);
    const models = json<{
      models: { id: string; provider: string; local_model_id?: string; health_status?: string }[];
    }>(res).models;
    const local = models.filter((m) => m.provider === 'local');
    expect(local.map((m) => m.id)).toEqual(
      expect.arrayContaining(['llama3.2:1b', 'qwen2:7b', 'local-gpt', 'phi-3']),
    );
    for (const m of local) expect(m.local_model_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(local.find((m) => m.id === 'llama3.2:1b')?.health_status).toBe('healthy');
    const bobs = json<{ models: { provider: string }[] }>(
      await t.app.inject({ method: 'GET', url: '/v1/models', headers: bob.headers }),
    );
    expect(bobs.models.filter((m) => m.provider === 'local')).toEqual([]);
  });
});

describe('URL policy with private endpoints off', () => {
  it('refuses loopback and private addresses', async () => {
    const strict = await buildTestApp({ env: { ALLOW_PRIVATE_ENDPOINTS: 'false' } });
    try {
      const u = await registerUser(strict.app);
      const res = await strict.app.inject({
        method: 'POST',
        url: '/v1/local-models',
        headers: u.headers,
        payload: { name: 'lan', base_url: ollama.url },
      });
      expect(res.statusCode).toBe(400);
      expect(json(res)).toMatchObject({ error: { code: 'url_not_allowed', details: { field: 'base_url' } } });
      expect(json<{ error: { message: string } }>(res).error.message).toMatch(/ALLOW_PRIVATE_ENDPOINTS/);
    } finally {
      await strict.close();
    }
  });
});
