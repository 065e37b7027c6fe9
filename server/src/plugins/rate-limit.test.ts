import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../test/helpers/build-test-app.js';
import { activateOpenAI, registerUser, type TestUser } from '../../test/helpers/factories.js';

// Every limit on a route counts every request: a second limit (per email) must not be skipped because a
// first one (per IP) already ran. Source addresses are set per request (inject's remoteAddress).
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;
const MAX = 10;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'ok', chunks: 1 });
  t = await buildTestApp({
    env: {
      RATE_LIMIT_AUTH_PER_MIN: String(MAX),
      RATE_LIMIT_WAITLIST_PER_MIN: '3',
      RATE_LIMIT_CHAT_PER_MIN: '2',
    },
  });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  await activateOpenAI(t.app, alice, fake.url, 'sk-limits-0123456789abcdef');
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const login = (email: string, from: string, password = 'wrong password 1') =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    remoteAddress: from,
    payload: { email, password },
  });

describe('login limits', () => {
  it('limits wrong passwords for one account sent from many addresses (per email)', async () => {
    const codes: number[] = [];
    const remaining: string[] = [];
    for (let i = 0; i < 14; i++) {
      const res = await login(alice.email, `10.1.0.${i + 1}`);
      codes.push(res.statusCode);
      remaining.push(String(res.headers['x-ratelimit-remaining']));
      if (res.statusCode === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
        const body = json<{ error: { code: string; request_id: string } }>(res);
        expect(body.error.code).toBe('rate_limited');
        expect(body.error.request_id).toBeTruthy();
      }
    }
    // Alice's registration was the first attempt for her email.
    expect(codes.slice(0, MAX - 1)).toEqual(Array(MAX - 1).fill(401));
    expect(codes.slice(MAX - 1)).toEqual([429, 429, 429, 429, 429]);
    // The per-email count is the tightest, and it moves with every attempt.
    expect(remaining.slice(0, 3)).toEqual([String(MAX - 2), String(MAX - 3), String(MAX - 4)]);
    // Even the right password waits: the account is what is being guessed.
    expect((await login(alice.email, '10.1.0.99', alice.password)).statusCode).toBe(429);
    // Another account from the same addresses is not affected (each address was used once).
    expect((await login(bob.email, '10.1.0.1', bob.password)).statusCode).toBe(200);
  });

  it('still limits one address guessing many accounts (per IP)', async () => {
    const codes: number[] = [];
    for (let i = 0; i < MAX + 2; i++) {
      codes.push((await login(`nobody${i}@example.com`, '10.2.0.1')).statusCode);
    }
    expect(codes.slice(0, MAX)).toEqual(Array(MAX).fill(401));
    expect(codes.slice(MAX)).toEqual([429, 429]);
    expect((await login('someone@example.com', '10.2.0.2')).statusCode).toBe(401);
  });

  it('counts an IPv6 client by its /64, whatever address of it is used', async () => {
    const codes: number[] = [];
    for (let i = 0; i < MAX + 1; i++) {
      codes.push((await login(`v6-${i}@example.com`, `2001:db8:5:6::${(i + 1).toString(16)}`)).statusCode);
    }
    expect(codes.slice(0, MAX)).toEqual(Array(MAX).fill(401));
    expect(codes[MAX]).toBe(429);
    expect((await login('v6-other@example.com', '2001:db8:5:7::1')).statusCode).toBe(401);
  });

  it('limits registrations of one email from many addresses', async () => {
    const codes: number[] = [];
    for (let i = 0; i < MAX + 2; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        remoteAddress: `10.3.0.${i + 1}`,
        payload: { email: 'Taken@Example.com', password: 'long enough password' },
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, MAX)).not.toContain(429);
    expect(codes.slice(MAX)).toEqual([429, 429]);
  });
});

describe('other limited routes', () => {
  it('waitlist: per address', async () => {
    const join = (i: number, from: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/waitlist',
        remoteAddress: from,
        payload: { email: `wait${i}@example.com` },
      });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await join(i, '10.4.0.1')).statusCode);
    expect(codes).toEqual([201, 201, 201, 429]);
    expect((await join(9, '10.4.0.2')).statusCode).toBe(201);
  });

  it('chat sends: per user', async () => {
    const chat = await t.app.inject({
      method: 'POST',
      url: '/v1/chats',
      headers: alice.headers,
      payload: {},
    });
    const chatId = json<{ id: string }>(chat).id;
    const send = (content: string) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/chats/${chatId}/messages`,
        headers: alice.headers,
        payload: { provider: 'openai', model: 'gpt-test', content },
      });
    expect((await send('one')).statusCode).toBe(201);
    expect((await send('two')).statusCode).toBe(201);
    const third = await send('three');
    expect(third.statusCode).toBe(429);
    expect(third.headers['retry-after']).toBeTruthy();
    // Bob's count is his own (his send fails for another reason: he has no provider, and no such chat).
    const other = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: bob.headers,
      payload: { provider: 'openai', model: 'gpt-test', content: 'x' },
    });
    expect(other.statusCode).toBe(404);
  });
});

describe('behind a proxy (TRUST_PROXY)', () => {
  it('counts the client address from X-Forwarded-For, per IP and per email', async () => {
    const p = await buildTestApp({ env: { TRUST_PROXY: 'true', RATE_LIMIT_AUTH_PER_MIN: '3' } });
    try {
      const viaProxy = (email: string, client: string) =>
        p.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          remoteAddress: '10.0.0.254',
          headers: { 'x-forwarded-for': client },
          payload: { email, password: 'wrong password 1' },
        });
      const perEmail = [];
      for (let i = 0; i < 4; i++)
        perEmail.push((await viaProxy('one@example.com', `198.51.100.${i + 1}`)).statusCode);
      expect(perEmail).toEqual([401, 401, 401, 429]);
      const perIp = [];
      for (let i = 0; i < 4; i++)
        perIp.push((await viaProxy(`many${i}@example.com`, '198.51.100.50')).statusCode);
      expect(perIp).toEqual([401, 401, 401, 429]);
      // The proxy's own address is not what is counted: another client through it still gets in.
      expect((await viaProxy('fresh@example.com', '198.51.100.51')).statusCode).toBe(401);
    } finally {
      await p.close();
    }
  });
});
