import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerOn, within } from '../helpers/process-client.js';
import {
  call,
  type ServerProcess,
  sharedStoreEnv,
  sharedStoresAvailable,
  startPair,
} from '../helpers/server-process.js';

// Personal API keys across two real server processes on one PostgreSQL + Redis: a key revoked on A is
// refused on B, which had it cached, and the per-key limit is one count for both.
const enabled = sharedStoresAvailable();
const KEY_LIMIT = 6;

describe.skipIf(!enabled)(
  'API keys on two server processes (needs TEST_DATABASE_URL and TEST_REDIS_URL)',
  () => {
    let a: ServerProcess;
    let b: ServerProcess;
    beforeAll(async () => {
      [a, b] = await startPair(await sharedStoreEnv({ RATE_LIMIT_API_KEY_PER_MIN: String(KEY_LIMIT) }));
    }, 120_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
    });

    const newKey = async () => {
      const user = await registerOn(a);
      const created = await call(a.url, 'POST', '/v1/api-keys', { token: user.token, body: { name: 'two' } });
      expect(created.status).toBe(201);
      return { user, id: String(created.body.id), key: String(created.body.key) };
    };
    const models = (s: ServerProcess, key: string) => call(s.url, 'GET', '/openai/v1/models', { token: key });

    it('a key revoked on A is refused on B at once', async () => {
      const { user, id, key } = await newKey();
      // B checks the key once and keeps it in memory from then on.
      expect((await models(b, key)).status).toBe(200);
      expect((await models(b, key)).status).toBe(200);
      expect((await call(a.url, 'DELETE', `/v1/api-keys/${id}`, { token: user.token })).status).toBe(204);
      await within(async () => (await models(b, key)).status === 401, 1000);
      const refused = await models(b, key);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatchObject({ code: 'invalid_api_key' });
    });

    it('the per-key limit counts requests on both instances together', async () => {
      const { key } = await newKey();
      const statuses: number[] = [];
      for (let i = 0; i < KEY_LIMIT + 1; i++) statuses.push((await models(i % 2 ? b : a, key)).status);
      expect(statuses.slice(0, KEY_LIMIT).every((s) => s === 200)).toBe(true);
      expect(statuses[KEY_LIMIT]).toBe(429);
    });
  },
);
