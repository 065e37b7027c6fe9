import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { isCommonPassword } from './password-policy.js';

const register = (t: TestApp, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/register', payload });

describe('common passwords', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('knows the usual suspects, ignoring case, and not a passphrase', () => {
    for (const p of ['password', 'Password1', '12345678', 'iloveyou', ' qwertyuiop ', 'sunshine'])
      expect(isCommonPassword(p), p).toBe(true);
    expect(isCommonPassword('correct horse battery')).toBe(false);
  });

  it('registration answers 400 naming password for a common one', async () => {
    const res = await register(t, { email: 'common@example.com', password: 'Password1' });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ error: { code: 'validation_error', details: { field: 'password' } } });
    expect(json<{ error: { message: string } }>(res).error.message).toMatch(/^password: .*common/);
    // Nothing was created: the address is still free.
    expect(
      (await register(t, { email: 'common@example.com', password: 'a rare enough phrase' })).statusCode,
    ).toBe(201);
  });

  it('a password change answers 400 naming new_password for a common one', async () => {
    const u = await registerUser(t.app);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users/me/password',
      headers: u.headers,
      payload: { current_password: u.password, new_password: 'iloveyou' },
    });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ error: { details: { field: 'new_password' } } });
    const ok = await t.app.inject({ url: '/v1/auth/me', headers: u.headers });
    expect(ok.statusCode).toBe(200);
  });
});

describe('registration does not tell strangers which addresses have accounts', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = await buildTestApp({ env: { INVITE_REQUIRED: 'true' } });
    admin = await registerUser(t.app);
  });
  afterAll(() => t.close());

  const invite = async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/invites',
      headers: admin.headers,
      payload: { max_uses: 1 },
    });
    expect(res.statusCode).toBe(201);
    return json<{ code: string }>(res).code;
  };

  it('without an invite, a taken and a free address get the same answer', async () => {
    const taken = await register(t, { email: admin.email, password: 'long enough password' });
    const free = await register(t, { email: 'free@example.com', password: 'long enough password' });
    expect(taken.statusCode).toBe(400);
    expect(json(taken)).toMatchObject({ error: { code: 'invite_required' } });
    expect(json<{ error: { message: string } }>(taken).error.message).toBe(
      json<{ error: { message: string } }>(free).error.message,
    );
    const bad = await register(t, {
      email: admin.email,
      password: 'long enough password',
      invite_code: 'nope',
    });
    expect(json(bad)).toMatchObject({ error: { code: 'invite_invalid' } });
  });

  it('with a valid invite, a taken address is a 409 and the invite stays usable', async () => {
    const code = await invite();
    const taken = await register(t, {
      email: admin.email,
      password: 'long enough password',
      invite_code: code,
    });
    expect(taken.statusCode).toBe(409);
    expect(json(taken)).toMatchObject({ error: { code: 'email_taken', details: { field: 'email' } } });
    const used = await register(t, {
      email: 'invited@example.com',
      password: 'long enough password',
      invite_code: code,
    });
    expect(used.statusCode).toBe(201);
  });
});
