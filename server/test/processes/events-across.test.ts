import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitText } from '../fakes/common.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/index.js';
import { openEvents } from '../helpers/event-client.js';
import { followAnswer, newChat, registerOn, sendStreaming } from '../helpers/process-client.js';
import {
  call,
  type ServerProcess,
  sharedStoreEnv,
  sharedStoresAvailable,
  startPair,
} from '../helpers/server-process.js';
import type { SseEvent } from '../helpers/sse.js';

// Two real server processes on one PostgreSQL + Redis (issue 12): the user's event stream and a running
// answer's stream reach a client on the instance that did not make the change.
const enabled = sharedStoresAvailable();
const REPLY = 'one two three four five six seven eight nine ten';
const CHUNKS = splitText(REPLY, 10);

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const deltas = (events: SseEvent[]) =>
  events.filter((e) => e.event === 'delta').map((e) => String(e.data.content));

describe.skipIf(!enabled)(
  'events across two real server processes (needs TEST_DATABASE_URL and TEST_REDIS_URL)',
  () => {
    let fake: FakeServer;
    let a: ServerProcess;
    let b: ServerProcess;
    beforeAll(async () => {
      fake = await startFakeOpenAI({ reply: REPLY, chunks: CHUNKS.length });
      [a, b] = await startPair(await sharedStoreEnv());
    }, 120_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await fake?.close();
    });

    it('a change made through A reaches an events client on B', async () => {
      const user = await registerOn(a);
      const onB = await openEvents(`${b.url}/v1/events`, auth(user.token));
      expect(onB.status).toBe(200);
      const chatId = await newChat(a, user.token);
      const heard = await onB.next((e) => e.event === 'chat.created');
      expect(heard.data).toMatchObject({ chat: { id: chatId } });
      await call(a.url, 'PATCH', `/v1/chats/${chatId}`, {
        token: user.token,
        body: { title: 'Renamed on A' },
      });
      await onB.next((e) => e.event === 'chat.updated');
      onB.close();
    });

    it('B follows the answer A writes live, delta by delta, and its events client hears it start and end', async () => {
      const user = await registerOn(a);
      await call(a.url, 'POST', '/v1/providers/activate', {
        token: user.token,
        body: { provider: 'openai', api_key: 'sk-test-0123456789abcdef', base_url: fake.url },
      });
      const onB = await openEvents(`${b.url}/v1/events`, auth(user.token));
      fake.setBehavior({ kind: 'slow', delayMs: 150 });
      const chatId = await newChat(a, user.token);
      const live = await sendStreaming(a, user.token, chatId, 'count');
      const created = await onB.next((e) => e.event === 'message.created');
      expect(created.data).toMatchObject({
        chat_id: chatId,
        assistant_message: { id: live.answerId, status: 'streaming' },
      });
      const followed = await followAnswer(b, user.token, live.answerId);
      await Promise.all([live.ended, followed.ended]);
      fake.setBehavior('normal');
      const got = deltas(followed.events);
      expect(got.join('')).toBe(REPLY);
      expect(followed.events.at(-1)?.event).toBe('message.completed');
      // After the replay of what was stored, each delta is one chunk as A produced it: not lumps of a polled
      // row (saved every 250 ms, read every 300 ms, with a chunk every 150 ms).
      const after = got.slice(1);
      expect(after.length).toBeGreaterThanOrEqual(4);
      for (const piece of after) expect(CHUNKS).toContain(piece);
      const done = await onB.next((e) => e.event === 'message.completed');
      expect(done.data).toMatchObject({
        chat_id: chatId,
        message: { id: live.answerId, status: 'completed' },
      });
      onB.close();
    });

    it('a client reconnecting to B with Last-Event-ID gets exactly the events raised on A meanwhile', async () => {
      const user = await registerOn(a);
      const first = await openEvents(`${b.url}/v1/events`, auth(user.token));
      await newChat(a, user.token);
      const seen = await first.next((e) => e.event === 'chat.created');
      first.close();
      const missed = [await newChat(a, user.token), await newChat(a, user.token)];
      const again = await openEvents(`${b.url}/v1/events`, auth(user.token), seen.id);
      await again.next((e) => e.event === 'chat.created', 10_000, 1);
      const later = await newChat(a, user.token);
      await again.next((e) => e.event === 'chat.created', 10_000, 2);
      expect(again.events.map((e) => (e.data.chat as { id: string }).id)).toEqual([...missed, later]);
      expect(new Set(again.events.map((e) => e.id)).size).toBe(3);
      again.close();
    });

    it("a revoked token's event streams are closed on both instances", async () => {
      const user = await registerOn(a);
      const onA = await openEvents(`${a.url}/v1/events`, auth(user.token));
      const onB = await openEvents(`${b.url}/v1/events`, auth(user.token));
      expect([onA.status, onB.status]).toEqual([200, 200]);
      expect((await call(a.url, 'POST', '/v1/auth/logout', { token: user.token })).status).toBe(204);
      await Promise.all([onA.ended, onB.ended]);
      const refused = await openEvents(`${b.url}/v1/events`, auth(user.token));
      expect(refused.status).toBe(401);
    });
  },
);
