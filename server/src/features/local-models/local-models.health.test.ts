import type { ImportLocalModelsResult, LocalModel, LocalModelUsage } from '@pocketllm/contracts';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { healthChecks, requestLog } from '../../db/schema/index.js';
import { AppError } from '../../errors.js';
import { SecretBox } from '../../lib/crypto.js';
import { CONCURRENCY } from './health-scheduler.js';
import { createLocalModelsService } from './local-models.service.js';

const KEY = 'sk-import-secret-abcdef0123456789';
let t: TestApp;
let a: FakeServer;
let b: FakeServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await buildTestApp({ env: { ALLOW_PRIVATE_ENDPOINTS: 'true', HEALTH_CHECK_TIMEOUT_MS: '400' } });
  a = await startFakeOllama({ models: ['m:1', 'only-a:1'] });
  b = await startFakeOllama({ models: ['m:1'] });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});
afterAll(async () => {
  await t.close();
  await a.close();
  await b.close();
});

const svc = () => t.app.ctx.services.localModels;
async function create(user: TestUser, name: string, base_url: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/local-models',
    headers: user.headers,
    payload: { name, base_url },
  });
  expect(res.statusCode).toBe(201);
  return json<LocalModel>(res);
}
const get = async (id: string) =>
  json<LocalModel>(
    await t.app.inject({ method: 'GET', url: `/v1/local-models/${id}`, headers: alice.headers }),
  );
async function appError(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('circuit breaker and failover', () => {
  let epA: LocalModel;
  let epB: LocalModel;

  beforeAll(async () => {
    epA = await create(alice, 'A', a.url);
    epB = await create(alice, 'B', b.url);
  });

  it('resolves a healthy endpoint to an Ollama target', async () => {
    const r = await svc().resolveTarget(alice.id, epA.id, 'm:1');
    expect(r).toEqual({
      target: { provider: 'local', adapter: 'ollama', baseUrl: a.url, apiKey: null, localEndpointId: epA.id },
    });
    expect((await appError(svc().resolveTarget(bob.id, epA.id, 'm:1'))).code).toBe('not_found');
  });

  it('opens after 3 consecutive chat failures, fails over, and fails fast when nothing else serves the model', async () => {
    await svc().recordResult(epA.id, false, 'cannot reach');
    await svc().recordResult(epA.id, false, 'cannot reach');
    expect(await get(epA.id)).toMatchObject({
      circuit_open: false,
      health_status: 'healthy',
      consecutive_failures: 2,
    });
    expect((await svc().resolveTarget(alice.id, epA.id, 'm:1')).failover).toBeUndefined();

    await svc().recordResult(epA.id, false, 'cannot reach');
    expect(await get(epA.id)).toMatchObject({
      circuit_open: true,
      health_status: 'unhealthy',
      error_message: 'cannot reach',
    });
    const r = await svc().resolveTarget(alice.id, epA.id, 'm:1');
    expect(r.target.localEndpointId).toBe(epB.id);
    expect(r.failover).toMatchObject({ from: epA.id, to: epB.id });
    expect(r.failover?.reason).toMatch(/circuit open after 3 consecutive failures/);

    const before = a.requests.length;
    const err = await appError(svc().resolveTarget(alice.id, epA.id, 'only-a:1'));
    expect(err.code).toBe('endpoint_unavailable');
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/endpoint "A" is unavailable .*only-a:1/);
    expect(a.requests.length).toBe(before);

    const catalogue = await svc().catalogSource.list(alice.id);
    const fromA = catalogue.models.filter((m) => m.local_model_id === epA.id);
    expect(fromA.map((m) => [m.id, m.health_status, m.unavailable])).toEqual([
      ['m:1', 'unhealthy', true],
      ['only-a:1', 'unhealthy', true],
    ]);
  });

  it('closes when a health check passes', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/local-models/${epA.id}/health`,
      headers: alice.headers,
    });
    expect(json(res)).toMatchObject({ status: 'healthy', circuit_open: false, consecutive_failures: 0 });
    expect((await svc().resolveTarget(alice.id, epA.id, 'only-a:1')).target.localEndpointId).toBe(epA.id);
  });

  it('fails over from an unhealthy endpoint, but still tries it when the breaker is closed and no one else can', async () => {
    a.setBehavior({ kind: 'http_error', status: 503 });
    await t.app.inject({ method: 'POST', url: `/v1/local-models/${epA.id}/health`, headers: alice.headers });
    a.setBehavior('normal');
    expect(await get(epA.id)).toMatchObject({ health_status: 'unhealthy', circuit_open: false });
    const over = await svc().resolveTarget(alice.id, epA.id, 'm:1');
    expect(over.failover).toMatchObject({ from: epA.id, to: epB.id, reason: 'unhealthy: HTTP 503' });
    const tried = await svc().resolveTarget(alice.id, epA.id, 'only-a:1');
    expect(tried).toEqual({ target: expect.objectContaining({ localEndpointId: epA.id }) });
    await svc().recordResult(epA.id, true);
    expect(await get(epA.id)).toMatchObject({
      health_status: 'healthy',
      consecutive_failures: 0,
      error_message: null,
    });
  });

  it('refuses at send time an endpoint the current URL policy forbids', async () => {
    const strictConfig = {
      ...t.config,
      localModels: { ...t.config.localModels, allowPrivateEndpoints: false },
    };
    const strict = createLocalModelsService({
      db: t.database.db,
      config: strictConfig,
      logger: t.app.log,
      box: new SecretBox(strictConfig.encryptionKey),
    });
    const err = await appError(strict.resolveTarget(alice.id, epA.id, 'm:1'));
    expect(err.code).toBe('url_not_allowed');
    expect(err.message).toMatch(
      /^local_model_id: the base URL of endpoint "A" 127.0.0.1 points to a loopback/,
    );
  });

  it('does not fail over to a disabled endpoint', async () => {
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/local-models/${epB.id}`,
      headers: alice.headers,
      payload: { is_active: false },
    });
    for (let i = 0; i < 3; i++) await svc().recordResult(epA.id, false, 'down');
    expect((await appError(svc().resolveTarget(alice.id, epA.id, 'm:1'))).code).toBe('endpoint_unavailable');
    await svc().recordResult(epA.id, true);
  });
});

describe('usage', () => {
  it('computes totals, p95, per model and per day from the request log', async () => {
    const ep = await create(alice, 'Usage', a.url);
    const today = new Date();
    const yesterday = new Date(today.getTime() - 86_400_000);
    const row = (model: string, status: 'ok' | 'error', latencyMs: number, createdAt: Date) => ({
      userId: alice.id,
      provider: 'local',
      model,
      localEndpointId: ep.id,
      tokensIn: 10,
      tokensOut: status === 'ok' ? 20 : 0,
      latencyMs,
      status,
      createdAt,
    });
    await t.database.db
      .insert(requestLog)
      .values([
        row('m:1', 'ok', 100, yesterday),
        row('m:1', 'ok', 200, yesterday),
        row('m:1', 'ok', 300, today),
        row('m:1', 'ok', 400, today),
        row('only-a:1', 'ok', 500, today),
        row('only-a:1', 'error', 5000, today),
        { ...row('m:1', 'ok', 100, new Date(today.getTime() - 90 * 86_400_000)) },
      ]);
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/local-models/${ep.id}/usage`,
      headers: alice.headers,
    });
    expect(res.statusCode).toBe(200);
    const u = json<LocalModelUsage>(res);
    expect(u).toMatchObject({
      period_days: 30,
      total_requests: 6,
      tokens_in: 60,
      tokens_out: 100,
      avg_latency_ms: 300,
      p95_latency_ms: 480,
    });
    expect(u.error_rate).toBeCloseTo(1 / 6);
    expect(u.last_used_at).not.toBeNull();
    expect(u.by_model).toEqual([
      { model: 'm:1', total_requests: 4, tokens_in: 40, tokens_out: 80, error_rate: 0, avg_latency_ms: 250 },
      {
        model: 'only-a:1',
        total_requests: 2,
        tokens_in: 20,
        tokens_out: 20,
        error_rate: 0.5,
        avg_latency_ms: 500,
      },
    ]);
    expect(u.daily.map((d) => [d.date, d.total_requests])).toEqual([
      [yesterday.toISOString().slice(0, 10), 2],
      [today.toISOString().slice(0, 10), 4],
    ]);
    const all = json<LocalModelUsage>(
      await t.app.inject({
        method: 'GET',
        url: `/v1/local-models/${ep.id}/usage?days=365`,
        headers: alice.headers,
      }),
    );
    expect(all.total_requests).toBe(7);
    const bad = await t.app.inject({
      method: 'GET',
      url: `/v1/local-models/${ep.id}/usage?days=0`,
      headers: alice.headers,
    });
    expect(json(bad)).toMatchObject({ error: { code: 'validation_error', details: { field: 'days' } } });
  });

  it('answers zeros for an endpoint never used', async () => {
    const ep = await create(alice, 'Unused', b.url);
    const u = json<LocalModelUsage>(
      await t.app.inject({ method: 'GET', url: `/v1/local-models/${ep.id}/usage`, headers: alice.headers }),
    );
    expect(u).toMatchObject({
      total_requests: 0,
      error_rate: 0,
      avg_latency_ms: null,
      p95_latency_ms: null,
      by_model: [],
      daily: [],
    });
  });
});

describe('import of the old browser export', () => {
  it('creates the good rows and reports each refused one with its reason', async () => {
    const payload = [
      {
        name: 'LM Studio',
        baseUrl: 'http://127.0.0.1:1234/v1/',
        apiKey: KEY,
        isActive: true,
        availableModels: ['x', 'x', 'y'],
      },
      { name: 'No URL', apiKey: '' },
      { name: 'Sneaky', baseUrl: 'http://169.254.169.254/latest/meta-data', isActive: true },
      { name: 'Wrong type', baseUrl: 'http://127.0.0.1:8080', isActive: 'yes' },
      { name: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1', isActive: false },
      42,
      { name: 'Llamafile', baseUrl: 'http://localhost:8080/v1', apiKey: null, isActive: false },
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/local-models/import',
      headers: bob.headers,
      payload,
    });
    expect(res.statusCode).toBe(200);
    const out = json<ImportLocalModelsResult>(res);
    expect(out.created.map((c) => [c.name, c.base_url, c.endpoint_type, c.is_active, c.has_api_key])).toEqual(
      [
        ['LM Studio', 'http://127.0.0.1:1234/v1', 'openai-compatible', true, true],
        ['Llamafile', 'http://localhost:8080/v1', 'openai-compatible', false, false],
      ],
    );
    expect(out.created[0]).toMatchObject({ available_models: ['x', 'y'], health_status: 'unknown' });
    expect(out.refused.map((r) => [r.index, r.name])).toEqual([
      [1, 'No URL'],
      [2, 'Sneaky'],
      [3, 'Wrong type'],
      [4, 'LM Studio'],
      [5, null],
    ]);
    expect(out.refused[0]?.reason).toMatch(/^baseUrl: /);
    expect(out.refused[1]?.reason).toMatch(/^baseUrl: .*metadata/);
    expect(out.refused[2]?.reason).toMatch(/^isActive: /);
    expect(out.refused[3]?.reason).toMatch(/already exists/);
    expect(res.body).not.toContain(KEY);
  });

  it('answers 400 for a body that is not an array, and 401 without a token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/local-models/import',
      headers: bob.headers,
      payload: { 'local-openai-models': [] },
    });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ error: { code: 'validation_error' } });
    const anon = await t.app.inject({ method: 'POST', url: '/v1/local-models/import', payload: [] });
    expect(anon.statusCode).toBe(401);
  });
});

describe('health scheduler', () => {
  const checksOf = async (id: string) =>
    (await t.database.db.select({ n: count() }).from(healthChecks).where(eq(healthChecks.endpointId, id)))[0]
      ?.n ?? 0;

  it('checks each active endpoint once per round, even with two instances running it at once', async () => {
    const eps = [await create(alice, 'S1', a.url), await create(alice, 'S2', b.url)];
    const before = await Promise.all(eps.map((e) => checksOf(e.id)));
    const other = createLocalModelsService({
      db: t.database.db,
      config: t.config,
      logger: t.app.log,
      box: new SecretBox(t.config.encryptionKey),
    });
    // Everything checked before now is due; what a claim stamps is not (a round never re-checks its own).
    await new Promise((r) => setTimeout(r, 20));
    const due = new Date();
    const [r1, r2] = await Promise.all([svc().runHealthRound(due), other.runHealthRound(due)]);
    const after = await Promise.all(eps.map((e) => checksOf(e.id)));
    expect(after).toEqual(before.map((n) => n + 1));
    // Bob's imported endpoints point nowhere, disabled ones are skipped; all the rest are counted once.
    expect(r1.checked + r2.checked).toBe(r1.healthy + r1.unhealthy + r2.healthy + r2.unhealthy);
    const again = await svc().runHealthRound();
    expect(again.checked).toBe(0);
  });

  it('runs on its own when the lifecycle starts', async () => {
    const app = await buildTestApp({
      env: { ALLOW_PRIVATE_ENDPOINTS: 'true', HEALTH_CHECK_INTERVAL_S: '1', HEALTH_CHECK_TIMEOUT_MS: '400' },
      startLifecycle: true,
    });
    try {
      const u = await registerUser(app.app);
      const imported = json<ImportLocalModelsResult>(
        await app.app.inject({
          method: 'POST',
          url: '/v1/local-models/import',
          headers: u.headers,
          payload: [{ name: 'Later', baseUrl: a.url }],
        }),
      ).created[0];
      expect(imported?.health_status).toBe('unknown');
      let status = 'unknown';
      for (let i = 0; i < 40 && status === 'unknown'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const res = await app.app.inject({
          method: 'GET',
          url: `/v1/local-models/${imported?.id}/health`,
          headers: u.headers,
        });
        status = json<{ status: string }>(res).status;
      }
      // The fake Ollama has no /models: an openai-compatible import against it is checked, and found wanting.
      expect(status).toBe('unhealthy');
    } finally {
      await app.close();
    }
  });

  it('measures a round over 50 endpoints of which 10 never answer', async () => {
    const app = await buildTestApp({
      env: { ALLOW_PRIVATE_ENDPOINTS: 'true', HEALTH_CHECK_TIMEOUT_MS: '1000' },
    });
    const live = await startFakeOpenAI({ models: ['gpt-local'] });
    const dead = await startFakeOpenAI({ behavior: 'hang' });
    try {
      const u = await registerUser(app.app);
      const payload = Array.from({ length: 50 }, (_, i) => ({
        name: `ep-${i}`,
        baseUrl: i % 5 === 4 ? dead.url : live.url,
      }));
      const res = await app.app.inject({
        method: 'POST',
        url: '/v1/local-models/import',
        headers: u.headers,
        payload,
      });
      expect(json<ImportLocalModelsResult>(res).created).toHaveLength(50);
      const round = await app.app.ctx.services.localModels.runHealthRound(new Date());
      const list = json<{ local_models: LocalModel[] }>(
        await app.app.inject({ method: 'GET', url: '/v1/local-models?limit=200', headers: u.headers }),
      ).local_models;
      const down = list.filter((m) => m.health_status === 'unhealthy');
      expect(down.map((m) => m.name)).toEqual(Array.from({ length: 10 }, (_, i) => `ep-${i * 5 + 4}`));
      for (const m of down) expect(m.error_message).toBe('no answer within 1000 ms');
      expect(round).toMatchObject({ checked: 50, healthy: 40, unhealthy: 10 });
      console.log(
        `[local-models] health round: 50 endpoints, 10 never answer, timeout 1000 ms, concurrency ${CONCURRENCY}: ` +
          `probes ${round.probeMs} ms, whole round (claim + probes + one write transaction) ${round.durationMs} ms`,
      );
    } finally {
      await app.close();
      await live.close();
      await dead.close();
    }
  });
});
