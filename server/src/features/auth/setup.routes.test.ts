import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser } from '../../../test/helpers/factories.js';

// GET /v1/auth/setup: the portal's first screen asks it whether the server still needs its admin account.
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('GET /v1/auth/setup', () => {
  it('says needs_admin until the first account exists, without a token, and is never cached', async () => {
    const fresh = await t.app.inject({ method: 'GET', url: '/v1/auth/setup' });
    expect(fresh.statusCode).toBe(200);
    expect(json(fresh)).toEqual({ needs_admin: true });
    expect(fresh.headers['cache-control']).toBe('no-store');

    const admin = await registerUser(t.app);
    expect(admin.role).toBe('admin');
    const after = await t.app.inject({ method: 'GET', url: '/v1/auth/setup' });
    expect(json(after)).toEqual({ needs_admin: false });
  });

  it('needs_admin again once the only account deleted itself (the next one becomes admin)', async () => {
    const solo = await buildTestApp();
    try {
      const u = await registerUser(solo.app);
      const del = await solo.app.inject({
        method: 'DELETE',
        url: '/v1/users/me',
        headers: { authorization: `Bearer ${u.token}` },
      });
      expect(del.statusCode).toBe(204);
      const res = await solo.app.inject({ method: 'GET', url: '/v1/auth/setup' });
      expect(json(res)).toEqual({ needs_admin: true });
    } finally {
      await solo.close();
    }
  });

  it('is false in single-user mode, which has no sign-in', async () => {
    const single = await buildTestApp({ env: { AUTH_MODE: 'single-user' } });
    try {
      const res = await single.app.inject({ method: 'GET', url: '/v1/auth/setup' });
      expect(json(res)).toEqual({ needs_admin: false });
    } finally {
      await single.close();
    }
  });
});
