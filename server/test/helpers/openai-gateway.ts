import type { FastifyInstance } from 'fastify';
import type { TestUser } from './factories.js';

/** Turns a provider on for the user, pointed at a fake. */
export async function activate(
  app: FastifyInstance,
  u: TestUser,
  provider: string,
  baseUrl: string,
  apiKey?: string,
) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/providers/activate',
    headers: u.headers,
    payload: { provider, base_url: baseUrl, ...(apiKey ? { api_key: apiKey } : {}) },
  });
  if (res.statusCode !== 200) throw new Error(`activate ${provider}: ${res.statusCode} ${res.body}`);
}

/** Creates a personal API key through the API and answers the key itself. */
export async function createKey(
  app: FastifyInstance,
  u: TestUser,
  body: { name?: string; scopes?: string[]; expires_at?: string } = {},
): Promise<{ id: string; key: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: u.headers,
    payload: { name: 'test key', ...body },
  });
  if (res.statusCode !== 201) throw new Error(`create key: ${res.statusCode} ${res.body}`);
  return JSON.parse(res.body) as { id: string; key: string };
}

export const keyHeaders = (key: string) => ({ authorization: `Bearer ${key}` });
