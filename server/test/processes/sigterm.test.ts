import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../fakes/index.js';
import { newChat, registerOn, sendStreaming } from '../helpers/process-client.js';
import { call, ensureServerBuilt, type ServerProcess, startServer } from '../helpers/server-process.js';
import { createTestDatabaseUrl, testEngine } from '../helpers/test-db.js';

// SIGTERM a real process while it writes two answers: one ends inside SHUTDOWN_GRACE_S, one would not.
const enabled = testEngine() === 'postgres';
if (!process.env.TEST_DATABASE_URL) console.warn('SIGTERM suite skipped: set TEST_DATABASE_URL to run it');
const SHORT = 'short and done';
const LONG =
  'a long answer that goes on well past the grace period of the server, word after word, on and on';

describe.skipIf(!enabled)('SIGTERM of a real server process mid-answer (needs TEST_DATABASE_URL)', () => {
  let fake: FakeServer;
  let env: Record<string, string>;
  let restarted: ServerProcess | undefined;
  beforeAll(async () => {
    await ensureServerBuilt();
    // 60 chunks at 100 ms: the short reply (14 chunks, capped by its length) ends in ~1.5 s, the long one in ~6 s.
    fake = await startFakeOpenAI({
      reply: (req) => (JSON.stringify(req.body).includes('be brief') ? SHORT : LONG),
      chunks: 60,
      behavior: { kind: 'slow', delayMs: 100 },
    });
    env = { DATABASE_URL: await createTestDatabaseUrl(), SHUTDOWN_GRACE_S: '3', DB_POOL_SIZE: '4' };
  }, 120_000);
  afterAll(async () => {
    await restarted?.stop();
    await fake?.close();
  });

  it('stores the answer that finished in the grace as completed and the other as failed (interrupted)', async () => {
    const server = await startServer(env);
    const user = await registerOn(server);
    const act = await call(server.url, 'POST', '/v1/providers/activate', {
      token: user.token,
      body: { provider: 'openai', api_key: 'sk-test-0123456789abcdef', base_url: fake.url },
    });
    expect(act.status).toBe(200);
    const [shortChat, longChat] = [await newChat(server, user.token), await newChat(server, user.token)];
    const short = await sendStreaming(server, user.token, shortChat, 'be brief');
    const long = await sendStreaming(server, user.token, longChat, 'take your time');

    const signalled = performance.now();
    const code = await server.stop('SIGTERM');
    const exitMs = performance.now() - signalled;
    expect(code).toBe(0);
    // Within the grace plus the bounded store of what was cut off, well before the forced exit.
    expect(exitMs, server.logs.slice(-12).join('\n')).toBeLessThan(3000 + 3000);
    await Promise.all([short.ended, long.ended]);
    expect(short.events.at(-1)?.event).toBe('message.completed');

    restarted = await startServer(env);
    const answerOf = async (chatId: string) => {
      const chat = await call(restarted?.url ?? '', 'GET', `/v1/chats/${chatId}`, { token: user.token });
      const messages = chat.body.messages;
      if (!Array.isArray(messages)) throw new Error(`no messages: ${JSON.stringify(chat.body)}`);
      return messages.at(-1);
    };
    expect(await answerOf(shortChat)).toMatchObject({ status: 'completed', content: SHORT });
    const cut = await answerOf(longChat);
    expect(cut).toMatchObject({ status: 'failed', metadata: { error: { code: 'interrupted' } } });
    expect(cut.content.length).toBeGreaterThan(0);
    expect(LONG.startsWith(cut.content)).toBe(true);
    expect(cut.content.length).toBeLessThan(LONG.length);
  });

  it('an answer of a killed process is ended by another instance within a few heartbeats', async () => {
    const beat = { ...env, INSTANCE_HEARTBEAT_S: '1' };
    const [victim, survivor] = await Promise.all([startServer(beat), startServer(beat)]);
    try {
      const user = await registerOn(victim);
      await call(victim.url, 'POST', '/v1/providers/activate', {
        token: user.token,
        body: { provider: 'openai', api_key: 'sk-test-0123456789abcdef', base_url: fake.url },
      });
      const chatId = await newChat(victim, user.token);
      const live = await sendStreaming(victim, user.token, chatId, 'take your time');
      await new Promise((r) => setTimeout(r, 400));
      await victim.stop('SIGKILL');
      const killed = performance.now();
      const status = async () => {
        const chat = await call(survivor.url, 'GET', `/v1/chats/${chatId}`, { token: user.token });
        const messages = chat.body.messages;
        return Array.isArray(messages) ? messages.at(-1) : undefined;
      };
      while ((await status())?.status === 'streaming') {
        // Dead after 3 silent beats, and the answer unchanged as long; the sweep runs every beat.
        expect(performance.now() - killed).toBeLessThan(10_000);
        await new Promise((r) => setTimeout(r, 200));
      }
      const ended = await status();
      expect(ended).toMatchObject({ status: 'failed', metadata: { error: { code: 'interrupted' } } });
      expect(ended.content.length).toBeGreaterThan(0);
      expect(live.answerId).toBe(ended.id);
    } finally {
      await Promise.all([victim.stop('SIGKILL'), survivor.stop()]);
    }
  });
});
