import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { insertChat } from '../../../test/helpers/chat-rows.js';
import { activateOpenAI, appWithTwoUsers, type TestUser } from '../../../test/helpers/factories.js';
import { parseSse, readSse } from '../../../test/helpers/sse.js';

// Regenerate, edit, a send under a chosen parent and the branch switch, over the HTTP API.
let t: TestApp;
let fake: FakeServer;
let alice: TestUser;
let bob: TestUser;
let answers = 0;
const model = { provider: 'openai', model: 'gpt-test' };

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: () => `Answer number ${++answers}.`, chunks: 3 });
  ({ t, alice, bob } = await appWithTwoUsers());
  await activateOpenAI(t.app, alice, fake.url, 'sk-branch-0123456789');
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

interface Msg {
  id: string;
  parent_id: string | null;
  role: string;
  content: string;
  status: string;
  sibling_ids: string[];
  sibling_index: number;
}
interface Turn {
  user_message: Msg;
  assistant_message: Msg;
  cached: boolean;
}

const req = (method: 'GET' | 'POST' | 'PUT', url: string, user: TestUser | null, payload?: object) =>
  t.app.inject({ method, url, headers: user?.headers ?? {}, ...(payload ? { payload } : {}) });
const getChat = async (chatId: string, query = '') =>
  json<{ current_leaf_id: string | null; messages: Msg[]; has_more: boolean }>(
    await req('GET', `/v1/chats/${chatId}${query}`, alice),
  );
const contents = (msgs: Msg[]) => msgs.map((m) => m.content);
const sentContext = () => {
  const body = fake.requestsTo('chat').at(-1)?.body as { messages: { content: string }[] } | undefined;
  return (body?.messages ?? []).map((m) => m.content);
};

/** A chat of two turns through the API: q1 → a1 → q2 → a2. */
async function twoTurns() {
  const first = await req('POST', '/v1/chats/new/messages', alice, { content: 'First question', ...model });
  expect(first.statusCode).toBe(201);
  const t1 = json<Turn>(first);
  const chatId = (t1.user_message as Msg & { chat_id: string }).chat_id;
  const t2 = json<Turn>(
    await req('POST', `/v1/chats/${chatId}/messages`, alice, { content: 'Second question', ...model }),
  );
  return { chatId, t1, t2 };
}

describe('the message tree over the API', () => {
  it('parents each message on the one before and shows the path with its siblings', async () => {
    const { chatId, t1, t2 } = await twoTurns();
    expect(t1.user_message.parent_id).toBeNull();
    expect(t1.assistant_message.parent_id).toBe(t1.user_message.id);
    expect(t2.user_message.parent_id).toBe(t1.assistant_message.id);
    const chat = await getChat(chatId);
    expect(chat.current_leaf_id).toBe(t2.assistant_message.id);
    expect(chat.messages.map((m) => [m.sibling_ids.length, m.sibling_index])).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
  });

  it('regenerates an answer as a sibling, with the path above it as context and no cache', async () => {
    const { chatId, t2 } = await twoTurns();
    const res = await req('POST', `/v1/messages/${t2.assistant_message.id}/regenerate`, alice, {});
    expect(res.statusCode, res.body).toBe(201);
    const again = json<Turn>(res);
    expect(again.cached).toBe(false);
    expect(again.user_message.id).toBe(t2.user_message.id);
    expect(again.assistant_message).toMatchObject({ parent_id: t2.user_message.id, status: 'completed' });
    expect(again.assistant_message.content).not.toBe(t2.assistant_message.content);
    expect(sentContext()).toEqual(['First question', expect.any(String), 'Second question']);
    // The same again, from another model: never the cache, always the provider.
    const calls = fake.requestsTo('chat').length;
    const other = json<Turn>(
      await req('POST', `/v1/messages/${t2.assistant_message.id}/regenerate`, alice, {
        model: 'gpt-other',
        provider: 'openai',
      }),
    );
    expect(fake.requestsTo('chat')).toHaveLength(calls + 1);
    expect((fake.requestsTo('chat').at(-1)?.body as { model: string } | undefined)?.model).toBe('gpt-other');
    const chat = await getChat(chatId);
    const last = chat.messages.at(-1);
    expect(last?.id).toBe(other.assistant_message.id);
    expect(last?.sibling_ids).toEqual([
      t2.assistant_message.id,
      again.assistant_message.id,
      other.assistant_message.id,
    ]);
    expect(last?.sibling_index).toBe(2);
    // Switching back to the first answer.
    const leaf = await req('PUT', `/v1/chats/${chatId}/leaf`, alice, { message_id: t2.assistant_message.id });
    expect(leaf.statusCode).toBe(200);
    expect(json(leaf)).toEqual({ current_leaf_id: t2.assistant_message.id });
    const back = await getChat(chatId);
    expect(back.messages.at(-1)).toMatchObject({ id: t2.assistant_message.id, sibling_index: 0 });
    expect(back.messages).toHaveLength(4);
  });

  it('streams a regeneration like a send, resumable from its stream', async () => {
    const { t2 } = await twoTurns();
    const res = await req('POST', `/v1/messages/${t2.assistant_message.id}/regenerate`, alice, {
      stream: true,
    });
    expect(res.statusCode).toBe(200);
    const events = parseSse(res.body);
    expect(events[0]?.event).toBe('message.created');
    expect(events.at(-1)?.event).toBe('message.completed');
    const created = events[0]?.data.assistant_message as Msg;
    expect(created).toMatchObject({ status: 'streaming', parent_id: t2.user_message.id });
    const replay = await t.app.inject({
      method: 'GET',
      url: `/v1/messages/${created.id}/stream`,
      headers: { ...alice.headers, 'last-event-id': '0' },
    });
    expect(parseSse(replay.body).at(-1)?.event).toBe('message.completed');
  });

  it('edits a prompt into a new branch and keeps the original one', async () => {
    const { chatId, t1, t2 } = await twoTurns();
    const res = await req('POST', `/v1/messages/${t2.user_message.id}/edit`, alice, {
      content: 'Second, better',
      ...model,
    });
    expect(res.statusCode, res.body).toBe(201);
    const edited = json<Turn>(res);
    expect(edited.user_message).toMatchObject({
      content: 'Second, better',
      parent_id: t1.assistant_message.id,
    });
    expect(edited.assistant_message.parent_id).toBe(edited.user_message.id);
    expect(sentContext()).toEqual(['First question', t1.assistant_message.content, 'Second, better']);
    const chat = await getChat(chatId);
    expect(contents(chat.messages).slice(0, 3)).toEqual([
      'First question',
      t1.assistant_message.content,
      'Second, better',
    ]);
    expect(chat.messages[2]).toMatchObject({
      sibling_ids: [t2.user_message.id, edited.user_message.id],
      sibling_index: 1,
    });
    // The original branch is still there: switching to its prompt shows its answer.
    await req('PUT', `/v1/chats/${chatId}/leaf`, alice, { message_id: t2.user_message.id });
    expect(contents((await getChat(chatId)).messages)).toEqual(
      contents([t1.user_message, t1.assistant_message, t2.user_message, t2.assistant_message]),
    );
    // Editing the first prompt makes a second root, with nothing before it.
    const root = json<Turn>(
      await req('POST', `/v1/messages/${t1.user_message.id}/edit`, alice, {
        content: 'Another start',
        ...model,
      }),
    );
    expect(root.user_message.parent_id).toBeNull();
    expect(sentContext()).toEqual(['Another start']);
    const rooted = await getChat(chatId);
    expect(rooted.messages).toHaveLength(2);
    expect(rooted.messages[0]?.sibling_ids).toEqual([t1.user_message.id, root.user_message.id]);
    // Switching to the first root lands on the newest message under it.
    await req('PUT', `/v1/chats/${chatId}/leaf`, alice, { message_id: t1.user_message.id });
    expect((await getChat(chatId)).current_leaf_id).toBe(edited.assistant_message.id);
  });

  it('sends under a chosen parent, or as a new first message with parent_id null', async () => {
    const { chatId, t1 } = await twoTurns();
    const under = json<Turn>(
      await req('POST', `/v1/chats/${chatId}/messages`, alice, {
        content: 'Branch here',
        parent_id: t1.assistant_message.id,
        ...model,
      }),
    );
    expect(under.user_message.parent_id).toBe(t1.assistant_message.id);
    expect(sentContext()).toEqual(['First question', t1.assistant_message.content, 'Branch here']);
    const fresh = json<Turn>(
      await req('POST', `/v1/chats/${chatId}/messages`, alice, {
        content: 'Fresh',
        parent_id: null,
        ...model,
      }),
    );
    expect(fresh.user_message.parent_id).toBeNull();
    const other = await twoTurns();
    const foreign = await req('POST', `/v1/chats/${chatId}/messages`, alice, {
      content: 'x',
      parent_id: other.t1.user_message.id,
      ...model,
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('keys the answer cache by the branch: the same prompt on another branch is another question', async () => {
    const { chatId, t1 } = await twoTurns();
    const ask = (content: string) =>
      req('POST', `/v1/chats/${chatId}/messages`, alice, { content, ...model }).then((r) => json<Turn>(r));
    const onA = await ask('Same question');
    expect(onA.cached).toBe(false);
    // Another version of the first prompt: the same question after it has another context.
    await req('POST', `/v1/messages/${t1.user_message.id}/edit`, alice, { content: 'Other start', ...model });
    expect((await ask('Same question')).cached).toBe(false);
    // Back on the first branch, asked again after the same turns: the cache answers.
    await req('PUT', `/v1/chats/${chatId}/leaf`, alice, { message_id: onA.assistant_message.id });
    const again = await ask('Same question');
    expect(again.cached).toBe(true);
    expect(again.assistant_message.content).toBe(onA.assistant_message.content);
  });

  it('pages back through a long path with limit and before', async () => {
    const { chatId } = await twoTurns();
    const newest = await getChat(chatId, '?limit=3');
    expect(newest.messages).toHaveLength(3);
    expect(newest.has_more).toBe(true);
    const older = await getChat(chatId, `?limit=3&before=${newest.messages[0]?.id}`);
    expect(contents(older.messages)).toEqual(['First question']);
    expect(older.has_more).toBe(false);
    // before a first message: the chat with no messages; another user's chat is a 404 of the chat
    const first = await getChat(chatId, `?before=${older.messages[0]?.id}`);
    expect(first).toMatchObject({ messages: [], has_more: false });
    const theirs = await req('GET', `/v1/chats/${chatId}?before=${older.messages[0]?.id}`, bob);
    expect(theirs.statusCode).toBe(404);
    expect(json<{ error: { message: string } }>(theirs).error.message).toMatch(/chat/i);
  });

  it('answers 400 naming the field', async () => {
    const { chatId, t2 } = await twoTurns();
    const cases: [string, object, string][] = [
      [`/v1/messages/${t2.user_message.id}/regenerate`, {}, 'message_id'],
      [`/v1/messages/${t2.assistant_message.id}/edit`, { content: 'x' }, 'message_id'],
      [`/v1/messages/${t2.user_message.id}/edit`, { content: '' }, 'content'],
      [`/v1/messages/${t2.user_message.id}/edit`, {}, 'content'],
      [
        `/v1/messages/${t2.assistant_message.id}/regenerate`,
        { params: { temperature: 9 } },
        'params.temperature',
      ],
      [`/v1/messages/${t2.assistant_message.id}/regenerate`, { stream: 'yes' }, 'stream'],
      [`/v1/chats/${chatId}/messages`, { content: 'x', parent_id: 'nope' }, 'parent_id'],
    ];
    for (const [url, payload, field] of cases) {
      const res = await req('POST', url, alice, payload);
      expect(res.statusCode, url).toBe(400);
      expect(json(res), url).toMatchObject({ error: { details: { field } } });
    }
    const leaf = await req('PUT', `/v1/chats/${chatId}/leaf`, alice, { message_id: 'nope' });
    expect(leaf.statusCode).toBe(400);
    expect(json(leaf)).toMatchObject({ error: { details: { field: 'message_id' } } });
    // A message stored without its prompt (a first answer) has nothing to answer again.
    const { messages } = await insertChat(t.database.db, alice.id, [{ role: 'assistant', content: 'Hi!' }]);
    const orphan = await req('POST', `/v1/messages/${messages[0]?.id}/regenerate`, alice, {});
    expect(json(orphan)).toMatchObject({ error: { details: { field: 'message_id' } } });
  });

  it('answers 401 without a token and 404 for another user’s messages and chats', async () => {
    const { chatId, t2 } = await twoTurns();
    const regen = `/v1/messages/${t2.assistant_message.id}/regenerate`;
    const edit = `/v1/messages/${t2.user_message.id}/edit`;
    expect((await req('POST', regen, null, {})).statusCode).toBe(401);
    expect((await req('POST', edit, null, { content: 'x' })).statusCode).toBe(401);
    expect(
      (await req('PUT', `/v1/chats/${chatId}/leaf`, null, { message_id: t2.user_message.id })).statusCode,
    ).toBe(401);
    expect((await req('POST', regen, bob, {})).statusCode).toBe(404);
    expect((await req('POST', edit, bob, { content: 'x' })).statusCode).toBe(404);
    expect(
      (await req('PUT', `/v1/chats/${chatId}/leaf`, bob, { message_id: t2.user_message.id })).statusCode,
    ).toBe(404);
    expect((await req('GET', `/v1/chats/${chatId}`, bob)).statusCode).toBe(404);
    // A message of another chat of the same user is not in this one either.
    const other = await twoTurns();
    expect(
      (await req('PUT', `/v1/chats/${chatId}/leaf`, alice, { message_id: other.t1.user_message.id }))
        .statusCode,
    ).toBe(404);
    expect((await getChat(chatId)).current_leaf_id).toBe(t2.assistant_message.id);
  });
});

describe('a regeneration in flight', () => {
  it('is cancellable, keeping its partial text', async () => {
    const { t2 } = await twoTurns();
    fake.setBehavior({ kind: 'slow', delayMs: 80 });
    fake.configure({ reply: 'one two three four five six seven eight', chunks: 8 });
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`${base}/v1/messages/${t2.assistant_message.id}/regenerate`, {
        method: 'POST',
        headers: { ...alice.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: '{}',
      });
      let id = '';
      await readSse(res, (e) => {
        if (e.event === 'message.created') id = (e.data.assistant_message as Msg).id;
        return e.event !== 'delta';
      });
      const cancel = await req('POST', `/v1/messages/${id}/cancel`, alice);
      expect(cancel.statusCode).toBe(200);
      expect(json(cancel)).toMatchObject({ id, status: 'aborted' });
    } finally {
      fake.setBehavior('normal');
    }
  });
});
