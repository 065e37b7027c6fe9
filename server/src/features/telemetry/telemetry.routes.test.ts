import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { adminAndUser, type TestUser } from '../../../test/helpers/factories.js';
import type { RequestLogEntry } from './telemetry.service.js';

interface Metrics {
  total_requests: number;
  cache_hits: number;
  cache_misses: number;
  cache_hit_rate: number;
  avg_latency_ms: number;
  p95_latency_ms: number;
  error_count: number;
  uptime_seconds: number;
  by_provider: {
    provider: string;
    requests: number;
    errors: number;
    tokens_in: number;
    p95_latency_ms: number;
  }[];
  series: { bucket: string; requests: number; cache_hit_rate: number }[];
}

let t: TestApp;
let admin: TestUser;
let user: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  ({ admin, user } = await adminAndUser(t.app));
  const telemetry = t.app.ctx.services.telemetry;
  const base = (over: Partial<RequestLogEntry>): RequestLogEntry => ({
    userId: user.id,
    provider: 'openai',
    model: 'gpt-4o-mini',
    tokensIn: 10,
    tokensOut: 5,
    latencyMs: 100,
    cacheHit: false,
    status: 'ok',
    ...over,
  });
  // 20 openai requests at 100..2000 ms (4 cache hits), 5 anthropic (2 errors) at 50 ms, one a day ago.
  for (let i = 1; i <= 20; i += 1) telemetry.record(base({ latencyMs: i * 100, cacheHit: i % 5 === 0 }));
  for (let i = 0; i < 5; i += 1) {
    telemetry.record(
      base({
        provider: 'anthropic',
        model: 'claude',
        latencyMs: 50,
        status: i < 2 ? 'error' : 'ok',
        userId: admin.id,
      }),
    );
  }
  telemetry.record(base({ at: new Date(Date.now() - 30 * 3_600_000), model: 'gpt-4o' }));
  await telemetry.flush();
});
afterAll(() => t.close());

const get = (url: string, who: TestUser | null) =>
  t.app.inject({ method: 'GET', url, headers: who?.headers ?? {} });

describe('GET /v1/metrics', () => {
  it('reports totals, per provider and an hourly series for admins', async () => {
    const res = await get('/v1/metrics', admin);
    expect(res.statusCode).toBe(200);
    const m = json<Metrics>(res);
    expect(m).toMatchObject({ total_requests: 26, cache_hits: 4, cache_misses: 22, error_count: 2 });
    expect(m.cache_hit_rate).toBeCloseTo(4 / 26, 3);
    // (100+…+2000 + 5×50 + 100) / 26
    expect(m.avg_latency_ms).toBeCloseTo((21_000 + 250 + 100) / 26, 0);
    expect(m.p95_latency_ms).toBeGreaterThanOrEqual(1500);
    expect(m.p95_latency_ms).toBeLessThanOrEqual(2000);
    expect(m.uptime_seconds).toBeGreaterThanOrEqual(0);
    expect(m.by_provider).toEqual([
      expect.objectContaining({
        provider: 'anthropic',
        requests: 5,
        errors: 2,
        tokens_in: 50,
        p95_latency_ms: 50,
      }),
      expect.objectContaining({ provider: 'openai', requests: 21, errors: 0, tokens_in: 210 }),
    ]);
    expect(m.series).toHaveLength(24);
    // Oldest first, hourly, ending with the current hour; the request of 30 h ago is outside.
    const hours = m.series.map((s) => Date.parse(s.bucket));
    expect(hours.slice(1).every((h, i) => h - (hours[i] ?? 0) === 3_600_000)).toBe(true);
    expect(Date.now() - (hours.at(-1) ?? 0)).toBeLessThan(3_600_000);
    expect(m.series.reduce((n, s) => n + s.requests, 0)).toBe(25);
    expect(Math.max(...m.series.map((s) => s.cache_hit_rate))).toBeGreaterThan(0);
  });

  it('refuses a user with 403 and a caller without a token with 401', async () => {
    expect((await get('/v1/metrics', user)).statusCode).toBe(403);
    expect((await get('/api/v1/metrics', null)).statusCode).toBe(401);
  });
});

describe('GET /v1/usage', () => {
  it('reports the caller’s own requests and tokens per day and model', async () => {
    const res = await get('/v1/usage', user);
    expect(res.statusCode).toBe(200);
    const body = json<{
      days: number;
      usage: { model: string; requests: number }[];
      totals: Record<string, number>;
    }>(res);
    expect(body.days).toBe(30);
    expect(body.totals).toEqual({ requests: 21, tokens_in: 210, tokens_out: 105 });
    expect(body.usage.map((u) => u.model).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
    const adminUsage = json<{ totals: Record<string, number> }>(await get('/v1/usage', admin));
    expect(adminUsage.totals.requests).toBe(5);
  });

  it('limits the window with ?days, answers 400 naming days and 401 without a token', async () => {
    const today = json<{ usage: { day: string; requests: number }[] }>(await get('/v1/usage?days=1', user));
    expect(today.usage.every((u) => u.day === new Date().toISOString().slice(0, 10))).toBe(true);
    const bad = await get('/v1/usage?days=0', user);
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { details: { field: 'days' } } });
    expect((await get('/v1/usage', null)).statusCode).toBe(401);
  });
});

describe('GET /metrics (Prometheus)', () => {
  it('serves Prometheus text with the HTTP histogram by route pattern and chat counters', async () => {
    await get(`/v1/messages/00000000-0000-7000-8000-000000000000`, user);
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: admin.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('pocketllm_http_request_duration_seconds_bucket');
    expect(res.body).toContain('route="/v1/messages/:id"');
    expect(res.body).not.toContain('00000000-0000-7000-8000-000000000000');
    expect(res.body).toMatch(
      /pocketllm_llm_requests_total\{provider="anthropic",status="error",cache_hit="false"\} 2/,
    );
  });

  it('needs a token by default: an admin access token works, a user token is 403, none is 401', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const asUser = await t.app.inject({ method: 'GET', url: '/metrics', headers: user.headers });
    expect(asUser.statusCode).toBe(403);
    const asAdmin = await t.app.inject({ method: 'GET', url: '/metrics', headers: admin.headers });
    expect(asAdmin.statusCode).toBe(200);
    const garbage = { authorization: 'Bearer not-a-token' };
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: garbage })).statusCode).toBe(401);
  });

  it('can be public, require the metrics token, or be turned off', async () => {
    const open = await buildTestApp({ env: { METRICS_ACCESS: 'public' } });
    try {
      expect((await open.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
    const guarded = await buildTestApp({
      env: { METRICS_ACCESS: 'token', METRICS_TOKEN: 'scrape-secret-123' },
    });
    try {
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const wrong = { authorization: 'Bearer nope' };
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics', headers: wrong })).statusCode).toBe(
        401,
      );
      const ok = { authorization: 'Bearer scrape-secret-123' };
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics', headers: ok })).statusCode).toBe(
        200,
      );
    } finally {
      await guarded.close();
    }
    const off = await buildTestApp({ env: { METRICS_ACCESS: 'off' } });
    try {
      expect((await off.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await off.close();
    }
  });
});
