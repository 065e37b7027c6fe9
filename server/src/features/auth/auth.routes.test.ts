import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { logIn, refreshLogin, registerUser } from '../../../test/helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('register and login', () => {
  it('makes the first account admin and later ones users', async () => {
    const first = await registerUser(t.app);
    const second = await registerUser(t.app);
    expect(first.role).toBe('admin');
    expect(second.role).toBe('user');
  });

  it('answers 400 naming the field for a bad email or a short password', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'nope', password: 'long enough password' },
    });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { code: 'validation_error', details: { field: 'email' } } });
    const short = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'a@example.com', password: 'short' },
    });
    expect(short.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(short).error.message).toMatch(/^password: /);
  });

  it('refuses a second account with the same email (case-insensitive)', async () => {
    const u = await registerUser(t.app);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: u.email.toUpperCase(), password: 'another password' },
    });
    expect(res.statusCode).toBe(409);
    expect(json(res)).toMatchObject({ error: { code: 'email_taken' } });
  });

  it('logs in, and answers a wrong password and an unknown email alike', async () => {
    const u = await registerUser(t.app);
    const ok = await logIn(t.app, u.email, u.password);
    expect(ok.statusCode).toBe(200);
    expect(json(ok)).toMatchObject({ token_type: 'Bearer', user: { email: u.email } });
    const wrong = await logIn(t.app, u.email, 'wrong password');
    const unknown = await logIn(t.app, 'nobody@example.com', 'wrong password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(json<{ error: object }>(wrong).error).toMatchObject({ code: 'invalid_credentials' });
    expect(json<{ error: { message: string } }>(unknown).error.message).toBe(
      json<{ error: { message: string } }>(wrong).error.message,
    );
  });
});

describe('tokens and sessions', () => {
  it('serves /auth/me with a token and 401 without', async () => {
    const u = await registerUser(t.app);
    const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: u.headers });
    expect(me.statusCode).toBe(200);
    expect(json(me)).toMatchObject({ id: u.id, email: u.email });
    expect(json(me)).not.toHaveProperty('password_hash');
    const anon = await t.app.inject({ method: 'GET', url: '/v1/auth/me' });
    expect(anon.statusCode).toBe(401);
    expect(json(anon)).toMatchObject({ error: { code: 'unauthorized' } });
    const forged = await t.app.inject({
      method: 'GET',
      url: '/v1/auth/me',
      headers: { authorization: 'Bearer not.a.jwt' },
    });
    expect(forged.statusCode).toBe(401);
  });

  it('answers the same routes under /api/v1', async () => {
    const u = await registerUser(t.app);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: u.headers });
    expect(me.statusCode).toBe(200);
  });

  it('rotates refresh tokens and revokes the session when a used one comes back', async () => {
    const u = await registerUser(t.app);
    const first = await refreshLogin(t.app, u.refreshToken);
    expect(first.statusCode).toBe(200);
    const rotated = json<{ access_token: string; refresh_token: string }>(first);
    expect(rotated.refresh_token).not.toBe(u.refreshToken);

    const reuse = await refreshLogin(t.app, u.refreshToken);
    expect(reuse.statusCode).toBe(401);
    // The whole login is gone: the rotated pair no longer works either.
    const after = await refreshLogin(t.app, rotated.refresh_token);
    expect(after.statusCode).toBe(401);
    const me = await t.app.inject({
      method: 'GET',
      url: '/v1/auth/me',
      headers: { authorization: `Bearer ${rotated.access_token}` },
    });
    expect(me.statusCode).toBe(401);
  });

  it('logout kills the access token at once', async () => {
    const u = await registerUser(t.app);
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: u.headers })).statusCode).toBe(
      200,
    );
    const out = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: u.headers });
    expect(out.statusCode).toBe(204);
    const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: u.headers });
    expect(me.statusCode).toBe(401);
    const refresh = await refreshLogin(t.app, u.refreshToken);
    expect(refresh.statusCode).toBe(401);
  });

  it('never writes a password or token to the logs', async () => {
    const u = await registerUser(t.app, { password: 'super-secret-password-42' });
    await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: u.headers });
    const all = t.logs.join('');
    expect(all).toContain('"route":"/v1/auth/me"');
    expect(all).not.toContain('super-secret-password-42');
    expect(all).not.toContain(u.token);
    expect(all).not.toContain(u.refreshToken);
  });

  it('echoes x-request-id and puts it in error bodies', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/auth/me',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(json(res)).toMatchObject({ error: { request_id: 'abc-123' } });
  });
});

describe('invites', () => {
  it('requires a valid invite after the first account when INVITE_REQUIRED', async () => {
    const t2 = await buildTestApp({ env: { INVITE_REQUIRED: 'true' } });
    try {
      const admin = await registerUser(t2.app);
      const none = await t2.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: 'x@example.com', password: 'long enough password' },
      });
      expect(none.statusCode).toBe(400);
      expect(json(none)).toMatchObject({
        error: { code: 'invite_required', details: { field: 'invite_code' } },
      });
      const created = await t2.app.inject({
        method: 'POST',
        url: '/v1/admin/invites',
        headers: admin.headers,
        payload: { max_uses: 1 },
      });
      expect(created.statusCode).toBe(201);
      const { code } = json<{ code: string }>(created);
      await registerUser(t2.app, { invite_code: code });
      const used = await t2.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: 'y@example.com', password: 'long enough password', invite_code: code },
      });
      expect(used.statusCode).toBe(400);
      expect(json(used)).toMatchObject({ error: { code: 'invite_invalid' } });
    } finally {
      await t2.close();
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After after too many logins from one address', async () => {
    const t3 = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MIN: '3' } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await logIn(t3.app, `nobody${i}@example.com`, 'whatever1');
        codes.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          expect(json(res)).toMatchObject({ error: { code: 'rate_limited' } });
        }
      }
      expect(codes.slice(0, 3)).toEqual([401, 401, 401]);
      expect(codes.slice(3)).toEqual([429, 429]);
    } finally {
      await t3.close();
    }
  });
});

describe('single-user mode', () => {
  it('acts as the built-in local user without a token', async () => {
    const t4 = await buildTestApp({ env: { AUTH_MODE: 'single-user' } });
    try {
      const me = await t4.app.inject({ method: 'GET', url: '/v1/auth/me' });
      expect(me.statusCode).toBe(200);
      expect(json(me)).toMatchObject({ email: 'local@pocketllm.local' });
    } finally {
      await t4.close();
    }
  });
});
