import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { requestLog, requestLogHourly, usageDaily } from '../../db/schema/index.js';
import { Lifecycle } from '../../lib/lifecycle.js';
import { createLogger } from '../../plugins/logger.js';
import { quantileFromHistogram, slotOf } from './latency-histogram.js';
import { rebuildRollups } from './telemetry.repository.js';
import { createTelemetryService, type RequestLogEntry } from './telemetry.service.js';

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  user = await registerUser(t.app);
});
afterAll(() => t.close());

function makeService(opts: { batchSize?: number; flushIntervalMs?: number } = {}) {
  const lines: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
  );
  const lifecycle = new Lifecycle();
  const service = createTelemetryService({ db: t.database.db, logger, ...opts });
  lifecycle.add(service.managed);
  return { service, lifecycle, lines };
}

const entry = (over: Partial<RequestLogEntry> = {}): RequestLogEntry => ({
  userId: user.id,
  provider: 'openai',
  model: 'gpt-4o-mini',
  tokensIn: 10,
  tokensOut: 20,
  latencyMs: 120,
  cacheHit: false,
  status: 'ok',
  ...over,
});

const clear = async () => {
  const db = t.database.db;
  await db.delete(requestLog);
  await db.delete(requestLogHourly);
  await db.delete(usageDaily);
};

describe('telemetry.record', () => {
  it('buffers without writing, then writes the batch and its rollups on flush', async () => {
    await clear();
    const { service } = makeService({ batchSize: 100, flushIntervalMs: 60_000 });
    service.record(entry({ ttftMs: 40 }));
    service.record(entry({ cacheHit: true, latencyMs: 3 }));
    service.record(
      entry({ provider: 'anthropic', model: 'claude', status: 'error', errorCode: 'provider_timeout' }),
    );
    expect(service.pending()).toBe(3);
    expect(await t.database.db.select().from(requestLog)).toHaveLength(0);
    await service.flush();
    const rows = await t.database.db.select().from(requestLog);
    expect(rows).toHaveLength(3);
    expect(rows.find((r) => r.provider === 'anthropic')).toMatchObject({
      status: 'error',
      errorCode: 'provider_timeout',
    });
    const hourly = await t.database.db.select().from(requestLogHourly);
    const openai = hourly.find((h) => h.provider === 'openai');
    expect(openai).toMatchObject({
      requests: 2,
      cacheHits: 1,
      tokensIn: 20,
      latencySumMs: 123,
      latencyMaxMs: 120,
    });
    expect(openai?.latencyHist[slotOf(3)]).toBe(1);
    expect(openai?.latencyHist[slotOf(120)]).toBe(1);
    const daily = await t.database.db.select().from(usageDaily);
    expect(daily.reduce((n, d) => n + d.requests, 0)).toBe(3);
  });

  it('stores fractional or invalid numbers as whole non-negative ones instead of losing the batch', async () => {
    await clear();
    const { service, lines } = makeService();
    service.record(entry({ latencyMs: 12.6, ttftMs: 3.2, tokensIn: Number.NaN, tokensOut: -4 }));
    await service.flush();
    expect(lines.filter((l) => l.includes('dropped'))).toHaveLength(0);
    const [row] = await t.database.db.select().from(requestLog);
    expect(row).toMatchObject({ latencyMs: 13, ttftMs: 3, tokensIn: 0, tokensOut: 0 });
  });

  it('flushes by itself when the batch is full and when the interval passes', async () => {
    await clear();
    const bySize = makeService({ batchSize: 2, flushIntervalMs: 60_000 });
    bySize.service.record(entry());
    bySize.service.record(entry());
    expect(bySize.service.pending()).toBe(0);
    await bySize.service.flush();
    expect(await t.database.db.select().from(requestLog)).toHaveLength(2);
    const byTime = makeService({ batchSize: 100, flushIntervalMs: 20 });
    byTime.service.record(entry());
    await expect
      .poll(async () => (await t.database.db.select().from(requestLog)).length, { timeout: 5000 })
      .toBe(3);
  });

  it('increments existing rollup rows from later batches', async () => {
    await clear();
    const { service } = makeService();
    service.record(entry({ latencyMs: 100 }));
    await service.flush();
    service.record(entry({ latencyMs: 300 }));
    await service.flush();
    const [h] = await t.database.db.select().from(requestLogHourly);
    expect(h).toMatchObject({ requests: 2, latencySumMs: 400, latencyMaxMs: 300 });
    expect(h?.latencyHist.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('drops a batch the database refuses with one warning, never throwing to the caller', async () => {
    await clear();
    const { service, lines } = makeService();
    // No such user: the foreign key refuses the whole batch.
    expect(() => service.record(entry({ userId: '00000000-0000-7000-8000-000000000000' }))).not.toThrow();
    service.record(entry());
    await expect(service.flush()).resolves.toBeUndefined();
    expect(lines.filter((l) => l.includes('telemetry batch dropped'))).toHaveLength(1);
    expect(await t.database.db.select().from(requestLog)).toHaveLength(0);
  });

  it('writes what is left when the lifecycle stops', async () => {
    await clear();
    const { service, lifecycle } = makeService({ flushIntervalMs: 60_000 });
    service.record(entry());
    await lifecycle.stop();
    expect(service.pending()).toBe(0);
    expect(await t.database.db.select().from(requestLog)).toHaveLength(1);
  });

  it('rebuilds the rollups from request_log rows written by other means', async () => {
    await clear();
    const db = t.database.db;
    await db.insert(requestLog).values([
      {
        userId: user.id,
        provider: 'ollama',
        model: 'llama3',
        latencyMs: 50,
        status: 'ok',
        tokensIn: 1,
        tokensOut: 2,
      },
      {
        userId: user.id,
        provider: 'ollama',
        model: 'llama3',
        latencyMs: 5000,
        status: 'error',
        cacheHit: true,
      },
    ]);
    await rebuildRollups(db);
    const [h] = await db.select().from(requestLogHourly);
    expect(h).toMatchObject({ provider: 'ollama', requests: 2, errors: 1, cacheHits: 1, latencyMaxMs: 5000 });
    expect(h?.latencyHist[slotOf(50)]).toBe(1);
    expect(h?.latencyHist[slotOf(5000)]).toBe(1);
    const [d] = await db.select().from(usageDaily);
    expect(d).toMatchObject({ userId: user.id, requests: 2, tokensIn: 1, tokensOut: 2 });
  });
});

describe('latency histogram', () => {
  it('estimates p95 by interpolating inside the slot', () => {
    const hist = new Array<number>(24).fill(0);
    for (let ms = 100; ms <= 2000; ms += 100) hist[slotOf(ms)] = (hist[slotOf(ms)] ?? 0) + 1;
    // Exact nearest-rank p95 of 100..2000 step 100 is 1900; the estimate stays inside its slot [1500, 2000].
    const p95 = quantileFromHistogram(hist, 0.95, 2000);
    expect(p95).toBeGreaterThanOrEqual(1800);
    expect(p95).toBeLessThanOrEqual(2000);
    // Exact p50 is 1000; the estimate lies in its slot [1000, 1500).
    expect(quantileFromHistogram(hist, 0.5, 2000)).toBeGreaterThanOrEqual(900);
    expect(quantileFromHistogram(hist, 0.5, 2000)).toBeLessThanOrEqual(1200);
    expect(quantileFromHistogram(new Array<number>(24).fill(0), 0.95, 0)).toBe(0);
    const top = new Array<number>(24).fill(0);
    top[23] = 1;
    expect(quantileFromHistogram(top, 0.95, 300_000)).toBeLessThanOrEqual(300_000);
  });
});
