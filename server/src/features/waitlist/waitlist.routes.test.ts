import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('POST /waitlist', () => {
  it('answers 201 with the entry, then 200 with the same entry for the same email in any case', async () => {
    const first = await t.app.inject({
      method: 'POST',
      url: '/v1/waitlist',
      payload: { email: 'Wait@Example.com', name: 'Wai', source: 'landing', metadata: { plan: 'team' } },
    });
    expect(first.statusCode).toBe(201);
    const entry = json<{ id: string }>(first);
    expect(entry).toMatchObject({
      email: 'wait@example.com',
      name: 'Wai',
      source: 'landing',
      metadata: { plan: 'team' },
    });
    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/waitlist',
      payload: { email: 'wait@EXAMPLE.com', name: 'Someone else' },
    });
    expect(again.statusCode).toBe(200);
    expect(json(again)).toMatchObject({ id: entry.id, name: 'Wai' });
  });

  it('needs no token, and answers 400 naming the field for bad input', async () => {
    const minimal = await t.app.inject({
      method: 'POST',
      url: '/v1/waitlist',
      payload: { email: 'min@example.com' },
    });
    expect(minimal.statusCode).toBe(201);
    expect(json(minimal)).toMatchObject({ name: null, source: null, metadata: {} });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/waitlist',
      payload: { email: 'not-an-email' },
    });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { code: 'validation_error', details: { field: 'email' } } });
    const huge = await t.app.inject({
      method: 'POST',
      url: '/v1/waitlist',
      payload: { email: 'huge@example.com', metadata: { blob: 'x'.repeat(5000) } },
    });
    expect(huge.statusCode).toBe(400);
    expect(json(huge)).toMatchObject({ error: { details: { field: 'metadata' } } });
    const badMeta = await t.app.inject({
      method: 'POST',
      url: '/v1/waitlist',
      payload: { email: 'meta@example.com', metadata: 'nope' },
    });
    expect(badMeta.statusCode).toBe(400);
    expect(json(badMeta)).toMatchObject({ error: { details: { field: 'metadata' } } });
  });

  it('answers 429 with Retry-After after too many requests from one address', async () => {
    const t2 = await buildTestApp({ env: { RATE_LIMIT_WAITLIST_PER_MIN: '2' } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await t2.app.inject({
          method: 'POST',
          url: '/v1/waitlist',
          payload: { email: `rl${i}@example.com` },
        });
        codes.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          expect(json(res)).toMatchObject({ error: { code: 'rate_limited' } });
        }
      }
      expect(codes).toEqual([201, 201, 429, 429]);
    } finally {
      await t2.close();
    }
  });
});
