import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateProvider, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { newId } from '../../lib/ids.js';
import { createAnswerWrites } from './answer-writes.js';
import { chatListJson, chatPageJson, chatPageVersion } from './reads.repository.js';
import { failOwnAnswers } from './writers.repository.js';

// The read cache (read-cache.ts) is on (READ_CACHE_MB's default): every write the API offers must show in the next
// open and list, i.e. the cached answer is always the one the full statement gives now. Each case reads first
// (so the entry is cached), writes, then reads again through the route and compares with the uncached statement.

let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'One two three four five six.', chunks: 6 });
  t = await buildTestApp();
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  await activateProvider(t.app, alice, {
    provider: 'openai',
    api_key: 'sk-test-0123456789abcdef',
    base_url: fake.url,
  });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

type Msg = {
  id: string;
  role: string;
  content: string;
  status: string;
  rating: string | null;
  pinned: boolean;
};
type Chat = {
  title: string | null;
  system_prompt: string | null;
  messages: Msg[];
  current_leaf_id: string | null;
};

const inject = (
  u: TestUser,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: object,
) => t.app.inject({ method, url, headers: u.headers, ...(payload ? { payload } : {}) });
const newChat = async (u: TestUser) => json<{ id: string }>(await inject(u, 'POST', '/v1/chats', {})).id;
const send = async (chatId: string, content: string, extra: object = {}) =>
  inject(alice, 'POST', `/v1/chats/${chatId}/messages`, {
    provider: 'openai',
    model: 'gpt-test',
    content,
    ...extra,
  });

/** The chat through the route (cached), checked against the uncached statement. */
async function opened(chatId: string, u = alice): Promise<Chat> {
  const res = await inject(u, 'GET', `/v1/chats/${chatId}`);
  expect(res.statusCode).toBe(200);
  const fresh = await t.app.ctx.services.chats.getJson(u.id, chatId, { limit: 50 });
  expect(res.body).toBe(fresh);
  return json<Chat>(res);
}
/** The first list page through the route (cached), checked against the uncached statement. */
async function listed(limit = 3): Promise<{ chats: { id: string; title: string | null }[] }> {
  const res = await inject(alice, 'GET', `/v1/chats?limit=${limit}`);
  expect(res.statusCode).toBe(200);
  expect(res.body).toBe((await chatListJson(t.database.db, alice.id, limit)).json);
  return json(res);
}

describe('the read cache shows every write at the next read', () => {
  it('a send, and the list it reorders', async () => {
    const a = await newChat(alice);
    const b = await newChat(alice);
    expect((await listed()).chats[0]?.id).toBe(b);
    await opened(a);
    expect((await send(a, 'Hello there')).statusCode).toBe(201);
    expect((await opened(a)).messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect((await listed()).chats[0]?.id).toBe(a);
  });

  it("a streaming answer's progress and its end", async () => {
    const chatId = await newChat(alice);
    await opened(chatId);
    fake.setBehavior({ kind: 'slow', delayMs: 150 });
    try {
      const done = send(chatId, 'Count slowly', { stream: true });
      // the answer's text is saved every 250 ms while it runs: a read must show the saved text, not the empty start
      let seen = '';
      for (let i = 0; i < 100 && !seen; i++) {
        const answer = (await opened(chatId)).messages[1];
        if (answer?.status === 'streaming' && answer.content) seen = answer.content;
        else await new Promise((r) => setTimeout(r, 30));
      }
      expect(seen).not.toBe('');
      expect((await done).statusCode).toBe(200);
    } finally {
      fake.setBehavior('normal');
    }
    expect((await opened(chatId)).messages[1]).toMatchObject({
      status: 'completed',
      content: 'One two three four five six.',
    });
  });

  it('a partial save by the answer writer, rating, pin', async () => {
    const chatId = await newChat(alice);
    await send(chatId, 'Rate me');
    const answer = (await opened(chatId)).messages[1] as Msg;
    await t.database.db.execute(sql`update messages set status = 'streaming' where id = ${answer.id}`);
    await opened(chatId);
    const writes = createAnswerWrites(t.database.db);
    await writes.saveText({ id: answer.id, content: 'partial text' });
    expect((await opened(chatId)).messages[1]?.content).toBe('partial text');
    // while it streams, a page is still a hit: its version reads the answer's own row version again
    const page = await chatPageJson(t.database.db, alice.id, chatId, { from: 'leaf', limit: 50 });
    expect(page?.version).toContain(`;${answer.id}:`);
    expect(await chatPageVersion(t.database.db, alice.id, chatId, page?.version ?? '')).toBe(page?.version);
    // the last word, as a group of answers' final writes takes it
    await writes.finish({ id: answer.id, content: 'final text', status: 'completed' });
    expect((await opened(chatId)).messages[1]).toMatchObject({ content: 'final text', status: 'completed' });
    expect((await inject(alice, 'POST', `/v1/messages/${answer.id}/rate`, { rating: 'up' })).statusCode).toBe(
      200,
    );
    expect((await opened(chatId)).messages[1]?.rating).toBe('up');
    expect((await inject(alice, 'POST', `/v1/messages/${answer.id}/pin`, { pinned: true })).statusCode).toBe(
      200,
    );
    expect((await opened(chatId)).messages[1]?.pinned).toBe(true);
    // the sweeper ends a streaming answer whose writer is gone
    const writer = newId();
    await t.database.db.execute(
      sql`update messages set status = 'streaming', writer_id = ${writer} where id = ${answer.id}`,
    );
    await opened(chatId);
    expect(await failOwnAnswers(t.database.db, writer)).toHaveLength(1);
    expect((await opened(chatId)).messages[1]?.status).toBe('failed');
  });

  it('edit, regenerate, leaf switch and a deleted branch', async () => {
    const chatId = await newChat(alice);
    await send(chatId, 'First question');
    const [question] = (await opened(chatId)).messages as Msg[];
    const edited = await inject(alice, 'POST', `/v1/messages/${question?.id}/edit`, {
      content: 'Edited question',
      provider: 'openai',
      model: 'gpt-test',
    });
    expect(edited.statusCode).toBe(201);
    const editedQuestion = (await opened(chatId)).messages[0] as Msg;
    expect(editedQuestion.content).toBe('Edited question');
    const answer = (await opened(chatId)).messages[1] as Msg;
    const again = await inject(alice, 'POST', `/v1/messages/${answer.id}/regenerate`, {
      provider: 'openai',
      model: 'gpt-test',
    });
    expect(again.statusCode).toBe(201);
    expect((await opened(chatId)).messages[1]?.id).not.toBe(answer.id);
    const leaf = await inject(alice, 'PUT', `/v1/chats/${chatId}/leaf`, { message_id: question?.id });
    expect(leaf.statusCode).toBe(200);
    const shown = (await opened(chatId)).messages[0] as Msg & { sibling_ids: string[] };
    expect([shown.content, shown.sibling_ids.length]).toEqual(['First question', 2]);
    // a message deleted (no route deletes one yet: the statement one would run), with its branch: the shown
    // question has no sibling left, and no write touched the chat's row itself
    await t.database.db.execute(sql`delete from messages where id = ${editedQuestion.id}`);
    const after = (await opened(chatId)).messages[0] as Msg & { sibling_ids: string[] };
    expect(after.sibling_ids).toEqual([question?.id]);
  });

  it('rename, system prompt, delete chat, and another user', async () => {
    const chatId = await newChat(alice);
    await opened(chatId);
    await listed();
    await inject(alice, 'PATCH', `/v1/chats/${chatId}`, { title: 'Renamed', system_prompt: 'Be brief' });
    expect(await opened(chatId)).toMatchObject({ title: 'Renamed', system_prompt: 'Be brief' });
    expect((await listed()).chats.find((c) => c.id === chatId)?.title).toBe('Renamed');
    expect((await inject(bob, 'GET', `/v1/chats/${chatId}`)).statusCode).toBe(404);
    expect((await inject(alice, 'DELETE', `/v1/chats/${chatId}`)).statusCode).toBe(204);
    expect((await inject(alice, 'GET', `/v1/chats/${chatId}`)).statusCode).toBe(404);
    expect((await listed()).chats.some((c) => c.id === chatId)).toBe(false);
  });
});

describe('ETag', () => {
  it('answers 304 without a body while the read is the same, 200 with a new tag after a write', async () => {
    const chatId = await newChat(alice);
    for (const url of [`/v1/chats/${chatId}`, '/v1/chats?limit=5']) {
      const first = await inject(alice, 'GET', url);
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^"[\w-]+"$/);
      const same = await t.app.inject({
        method: 'GET',
        url,
        headers: { ...alice.headers, 'if-none-match': etag },
      });
      expect([same.statusCode, same.body, same.headers.etag]).toEqual([304, '', etag]);
      const listed = await t.app.inject({
        method: 'GET',
        url,
        headers: { ...alice.headers, 'if-none-match': `"other", W/${etag}` },
      });
      expect(listed.statusCode).toBe(304);
      const other = await t.app.inject({
        method: 'GET',
        url,
        headers: { ...alice.headers, 'if-none-match': '"x"' },
      });
      expect([other.statusCode, other.body]).toEqual([200, first.body]);
    }
    const etag = String((await inject(alice, 'GET', `/v1/chats/${chatId}`)).headers.etag);
    await inject(alice, 'PATCH', `/v1/chats/${chatId}`, { title: 'New title' });
    const after = await t.app.inject({
      method: 'GET',
      url: `/v1/chats/${chatId}`,
      headers: { ...alice.headers, 'if-none-match': etag },
    });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
  });
});

describe('GET /metrics', () => {
  const counted = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: alice.headers });
    expect(res.statusCode).toBe(200);
    const n = (read: string, outcome: string) =>
      Number(
        new RegExp(
          `^pocketllm_read_cache_reads_total\\{read="${read}",outcome="${outcome}"\\} (\\d+)$`,
          'm',
        ).exec(res.body)?.[1] ?? 0,
      );
    const bytes = Number(/^pocketllm_read_cache_bytes (\d+)$/m.exec(res.body)?.[1] ?? -1);
    return { n, bytes };
  };

  it('counts each hot read by outcome and tells the bytes held', async () => {
    const before = await counted();
    const chatId = await newChat(alice);
    await opened(chatId); // not kept yet
    await opened(chatId); // kept, checked, served
    expect((await send(chatId, 'Hello again')).statusCode).toBe(201);
    await opened(chatId); // kept, but the send changed it
    await listed(2);
    const after = await counted();
    expect(after.n('open', 'miss') - before.n('open', 'miss')).toBe(1);
    expect(after.n('open', 'hit') - before.n('open', 'hit')).toBe(1);
    expect(after.n('open', 'changed') - before.n('open', 'changed')).toBe(1);
    expect(after.n('list', 'miss') - before.n('list', 'miss')).toBe(1);
    expect(after.bytes).toBeGreaterThan(before.bytes);
  });
});
