import { randomBytes } from 'node:crypto';
import type { AuthTokens } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildTestApp, type TestApp, type TestAppOptions } from './build-test-app.js';

let counter = 0;

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  role: 'user' | 'admin';
  /** `{ authorization: 'Bearer …' }` for inject calls. */
  headers: { authorization: string };
}

/** Registers a user through the API. The first one in a database becomes admin. */
export async function registerUser(
  app: FastifyInstance,
  overrides: { email?: string; password?: string; invite_code?: string; username?: string } = {},
): Promise<TestUser> {
  counter += 1;
  const email = overrides.email ?? `user${counter}-${randomBytes(3).toString('hex')}@example.com`;
  const password = overrides.password ?? 'correct horse battery';
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: {
      email,
      password,
      ...(overrides.invite_code ? { invite_code: overrides.invite_code } : {}),
      ...(overrides.username ? { username: overrides.username } : {}),
    },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  const body = JSON.parse(res.body) as AuthTokens;
  return {
    id: body.user.id,
    email,
    password,
    token: body.access_token,
    refreshToken: body.refresh_token,
    role: body.user.role,
    headers: { authorization: `Bearer ${body.access_token}` },
  };
}

/** An admin and a regular user, the usual cast of a cross-user test. */
export async function adminAndUser(app: FastifyInstance) {
  const admin = await registerUser(app);
  const user = await registerUser(app);
  return { admin, user };
}

/** Activates a provider for `user` with the body of `POST /v1/providers/activate`; the activation must succeed. */
export async function activateProvider(
  app: FastifyInstance,
  user: TestUser,
  payload: { provider: string; api_key?: string; base_url?: string },
): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/providers/activate',
    headers: user.headers,
    payload,
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** Activates OpenAI for `user`, pointed at `baseUrl` (a fake in server/test/fakes); the activation must succeed. */
export function activateOpenAI(
  app: FastifyInstance,
  user: TestUser,
  baseUrl: string,
  apiKey = 'sk-test-0123456789abcdef',
): Promise<void> {
  return activateProvider(app, user, { provider: 'openai', api_key: apiKey, base_url: baseUrl });
}

/** `POST /v1/auth/login` with an email and a password; the response, for the test to judge. */
export function logIn(app: FastifyInstance, email: string, password: string) {
  return app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
}

/** `POST /v1/auth/refresh` with a refresh token; the response, for the test to judge. */
export function refreshLogin(app: FastifyInstance, refreshToken: string) {
  return app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: refreshToken } });
}

/** The usual opening of a route test: a fresh app (its own database) and two users registered through the API. */
export async function appWithTwoUsers(
  opts?: TestAppOptions,
): Promise<{ t: TestApp; alice: TestUser; bob: TestUser }> {
  const t = await buildTestApp(opts);
  const alice = await registerUser(t.app);
  const bob = await registerUser(t.app);
  return { t, alice, bob };
}
