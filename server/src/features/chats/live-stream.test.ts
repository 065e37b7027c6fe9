import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateOpenAI, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { readSse, type SseEvent } from '../../../test/helpers/sse.js';

// Over a real socket: a client that goes away must not stop the answer, and a cancel must.
const REPLY = 'one two three four five six seven eight nine ten';
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let base: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: REPLY, chunks: 10, behavior: { kind: 'slow', delayMs: 60 } });
  t = await buildTestApp();
  alice = await registerUser(t.app);
  await activateOpenAI(t.app, alice, fake.url, 'sk-live-0123456789');
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

async function startStream(content: string) {
  const chat = json<{ id: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/chats', headers: alice.headers, payload: {} }),
  );
  const controller = new AbortController();
  const res = await fetch(`${base}/v1/chats/${chat.id}/messages`, {
    method: 'POST',
    headers: { ...alice.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ content, provider: 'openai', model: 'gpt-test' }),
    signal: controller.signal,
  });
  return { chatId: chat.id, res, controller };
}

const getMessage = async (chatId: string, id: string) => {
  const chat = json<{
    messages: { id: string; status: string; content: string; metadata: Record<string, unknown> }[];
  }>(await t.app.inject({ method: 'GET', url: `/v1/chats/${chatId}`, headers: alice.headers }));
  return chat.messages.find((m) => m.id === id);
};

describe('answers belong to the server', () => {
  it('keeps generating after the client disconnects, and resumes from Last-Event-ID', async () => {
    const { chatId, res, controller } = await startStream('Count to ten');
    let assistantId = '';
    let received = '';
    let lastId = '0';
    await readSse(res, (e: SseEvent) => {
      if (e.event === 'message.created') assistantId = (e.data.assistant_message as { id: string }).id;
      if (e.event === 'delta') {
        received += String(e.data.content);
        lastId = e.id ?? lastId;
        return false; // leave after the first piece, like a page reload
      }
      return true;
    });
    controller.abort();
    expect(assistantId).toBeTruthy();
    expect(Number(lastId)).toBe(received.length);

    const resumed = await fetch(`${base}/v1/messages/${assistantId}/stream`, {
      headers: { ...alice.headers, 'last-event-id': lastId },
    });
    const events: SseEvent[] = [];
    await readSse(resumed, (e) => {
      events.push(e);
      return true;
    });
    const rest = events
      .filter((e) => e.event === 'delta')
      .map((e) => String(e.data.content))
      .join('');
    expect(received + rest).toBe(REPLY);
    expect(events.at(-1)?.event).toBe('message.completed');
    const stored = await getMessage(chatId, assistantId);
    expect(stored).toMatchObject({ status: 'completed', content: REPLY });
  });

  it('cancel aborts upstream and keeps the partial text', async () => {
    const { chatId, res } = await startStream('Count slowly');
    let assistantId = '';
    await readSse(res, (e) => {
      if (e.event === 'message.created') assistantId = (e.data.assistant_message as { id: string }).id;
      return e.event !== 'delta';
    });
    const cancel = await t.app.inject({
      method: 'POST',
      url: `/v1/messages/${assistantId}/cancel`,
      headers: alice.headers,
    });
    expect(cancel.statusCode).toBe(200);
    const cancelled = json<{ status: string; content: string; metadata: { finish_reason: string } }>(cancel);
    expect(cancelled.status).toBe('aborted');
    expect(cancelled.metadata.finish_reason).toBe('aborted');
    expect(cancelled.content.length).toBeGreaterThan(0);
    expect(cancelled.content.length).toBeLessThan(REPLY.length);
    const stored = await getMessage(chatId, assistantId);
    expect(stored).toMatchObject({ status: 'aborted', content: cancelled.content });
    await expect.poll(() => fake.requestsTo('chat').at(-1)?.closedByClient).toBe(true);
  });

  it('shutdown lets a running answer finish', async () => {
    const { chatId, res } = await startStream('Finish before exit');
    let assistantId = '';
    await readSse(res, (e) => {
      if (e.event === 'message.created') assistantId = (e.data.assistant_message as { id: string }).id;
      return e.event !== 'message.created';
    });
    await t.app.ctx.lifecycle.stop();
    const stored = await getMessage(chatId, assistantId);
    expect(stored).toMatchObject({ status: 'completed', content: REPLY });
  });
});
