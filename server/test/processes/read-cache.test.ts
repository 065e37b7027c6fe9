import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../fakes/index.js';
import { newChat, registerOn } from '../helpers/process-client.js';
import {
  call,
  type ServerProcess,
  sharedStoreEnv,
  sharedStoresAvailable,
  startPair,
} from '../helpers/server-process.js';
import { testRedisPrefix } from '../helpers/test-db.js';

// Two real server processes on one PostgreSQL, each with its read cache (features/chats/read-cache.ts): a write
// through A shows at once in B's next read of what B had cached. The two are on different Redis prefixes, so no
// bus message reaches B: its cache holds by the version check alone.
const enabled = sharedStoresAvailable();

describe.skipIf(!enabled)(
  'the read cache across two processes (needs TEST_DATABASE_URL and TEST_REDIS_URL)',
  () => {
    let fake: FakeServer;
    let a: ServerProcess;
    let b: ServerProcess;
    beforeAll(async () => {
      fake = await startFakeOpenAI({ reply: 'An answer in four chunks.' });
      // Each on a Redis prefix of its own: no bus message reaches the other.
      [a, b] = await startPair(await sharedStoreEnv(), [
        { REDIS_PREFIX: testRedisPrefix() },
        { REDIS_PREFIX: testRedisPrefix() },
      ]);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await fake?.close();
    });

    it('a write on A is in the next open and list on B', async () => {
      const { token } = await registerOn(a);
      const act = await call(a.url, 'POST', '/v1/providers/activate', {
        token,
        body: { provider: 'openai', api_key: 'sk-test-0123456789abcdef', base_url: fake.url },
      });
      expect(act.status).toBe(200);
      const chatId = await newChat(a, token);
      const open = async () => (await call(b.url, 'GET', `/v1/chats/${chatId}`, { token })).body;
      const list = async () => (await call(b.url, 'GET', '/v1/chats?limit=5', { token })).body;
      expect(await open()).toMatchObject({ messages: [] });
      await list();

      const sent = await call(a.url, 'POST', `/v1/chats/${chatId}/messages`, {
        token,
        body: { provider: 'openai', model: 'gpt-test', content: 'Hello' },
      });
      expect(sent.status).toBe(201);
      const answer = (await open()).messages as { id: string; rating: string | null; pinned: boolean }[];
      expect(answer).toHaveLength(2);
      expect(await list()).toMatchObject({ chats: [{ id: chatId, message_count: 2 }] });
      await open();

      // a write of the message alone (the chat row is written by migration 0017's trigger only)
      const rated = await call(a.url, 'POST', `/v1/messages/${answer[1]?.id}/rate`, {
        token,
        body: { rating: 'down' },
      });
      expect(rated.status).toBe(200);
      expect(((await open()).messages as { rating: string | null }[])[1]?.rating).toBe('down');
      const pinned = await call(a.url, 'POST', `/v1/messages/${answer[1]?.id}/pin`, {
        token,
        body: { pinned: true },
      });
      expect(pinned.status).toBe(200);
      expect(((await open()).messages as { pinned: boolean }[])[1]?.pinned).toBe(true);

      const renamed = await call(a.url, 'PATCH', `/v1/chats/${chatId}`, { token, body: { title: 'From A' } });
      expect(renamed.status).toBe(200);
      expect(await list()).toMatchObject({ chats: [{ id: chatId, title: 'From A' }] });
      expect(await open()).toMatchObject({ title: 'From A' });

      expect((await call(a.url, 'DELETE', `/v1/chats/${chatId}`, { token })).status).toBe(204);
      expect((await call(b.url, 'GET', `/v1/chats/${chatId}`, { token })).status).toBe(404);
      expect(await list()).toMatchObject({ chats: [] });
    });
  },
);
