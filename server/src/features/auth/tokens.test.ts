import { decodeJwt, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser } from '../../../test/helpers/factories.js';
import { AccessTokens } from './tokens.js';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the real key, shaped by the test. */
function forged(claims: { sub?: string; sid?: string; iat?: number; exp?: number }) {
  const { sub, iat, exp, ...rest } = claims;
  let jwt = new SignJWT(rest).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('pocketllm');
  if (sub) jwt = jwt.setSubject(sub);
  if (iat !== undefined) jwt = jwt.setIssuedAt(iat);
  if (exp !== undefined) jwt = jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

describe('AccessTokens.verify', () => {
  const tokens = new AccessTokens(SECRET, 900);

  it('accepts what it signs', async () => {
    const token = await tokens.sign({ userId: 'u1', sessionId: 's1' });
    await expect(tokens.verify(token)).resolves.toEqual({ userId: 'u1', sessionId: 's1' });
  });

  it.each([
    ['no exp', { sub: 'u1', sid: 's1', iat: now() }],
    ['no iat', { sub: 'u1', sid: 's1', exp: now() + 600 }],
    [
      'a lifetime past the TTL (iat an hour ago, exp in a year)',
      { sub: 'u1', sid: 's1', iat: now() - 3600, exp: now() + 31_536_000 },
    ],
    ['iat in the future', { sub: 'u1', sid: 's1', iat: now() + 3600, exp: now() + 4000 }],
    ['expired', { sub: 'u1', sid: 's1', iat: now() - 1000, exp: now() - 100 }],
  ])('refuses a real-key token with %s', async (_what, claims) => {
    await expect(tokens.verify(await forged(claims))).rejects.toMatchObject({ code: 'unauthorized' });
  });
});

describe('a token without exp on the API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('answers 401 for a real session id in a token without exp, 200 for the issued token', async () => {
    const user = await registerUser(t.app);
    const issued = user.headers.authorization.replace(/^Bearer /, '');
    const { sub, sid } = decodeJwt(issued);
    expect(typeof sub).toBe('string');
    const noExp = await new SignJWT({ sid })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(sub))
      .setIssuedAt()
      .setIssuer('pocketllm')
      .sign(new TextEncoder().encode(t.config.jwtSecret));
    const ok = await t.app.inject({ url: '/v1/auth/me', headers: user.headers });
    expect(ok.statusCode).toBe(200);
    const res = await t.app.inject({ url: '/v1/auth/me', headers: { authorization: `Bearer ${noExp}` } });
    expect(res.statusCode).toBe(401);
    expect(json(res)).toMatchObject({ error: { code: 'unauthorized' } });
  });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('access tokens', () => {
  it('remembers a verified token only until it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const tokens = new AccessTokens('a-test-secret-that-is-long-enough-0123456789', 60);
    const token = await tokens.sign({ userId: 'u1', sessionId: 's1' });
    expect(await tokens.verify(token)).toEqual({ userId: 'u1', sessionId: 's1' });
    expect(await tokens.verify(token)).toEqual({ userId: 'u1', sessionId: 's1' });
    // Past exp and the clock tolerance several instances are allowed.
    vi.setSystemTime(new Date('2026-01-01T00:01:10Z'));
    await expect(tokens.verify(token)).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'Access token expired',
    });
  });

  it('never takes a token with another signature for a verified one', async () => {
    const tokens = new AccessTokens('a-test-secret-that-is-long-enough-0123456789', 60);
    const token = await tokens.sign({ userId: 'u1', sessionId: 's1' });
    await tokens.verify(token);
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${'A'.repeat(43)}`;
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: 'unauthorized' });
    const other = new AccessTokens('another-secret-that-is-long-enough-0123456789', 60);
    await expect(other.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
