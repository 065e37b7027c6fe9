import { chatList, chatWithMessages } from '@pocketllm/contracts';
import { and, desc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { aliceAndBobWorld, insertChat } from '../../../test/helpers/chat-rows.js';
import { chats, messages, users } from '../../db/schema/index.js';
import { decodeTimeIdCursor } from '../../lib/cursor.js';
import { newId } from '../../lib/ids.js';
import { toPathMessage } from '../messages/message.mapper.js';
import { toChatSummary } from './chat.mapper.js';
import { chatListJson, chatListVersion, chatPageJson, chatPageVersion } from './reads.repository.js';
import { pathTo } from './tree.repository.js';

// The JSON the database builds for the two hot reads must be what the JS mappers make of the same rows, and
// valid under the contract: these compare the two on a branched chat with every field set.

const world = aliceAndBobWorld();

/** q1 → a1 → q2 → {a2, a2b → q3 → a3}; plus a second root r2. Leaf: a3. Timestamps to the microsecond. */
async function branchedChat() {
  const ids = Object.fromEntries(['q1', 'a1', 'q2', 'a2', 'a2b', 'q3', 'a3', 'r2'].map((k) => [k, newId()]));
  const id = (k: string) => ids[k] ?? '';
  const t = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n));
  const metadata = {
    provider: 'openai',
    model: 'm',
    latency_ms: 12.5,
    tokens_out: 3,
    cached: false,
    extra: [1],
  };
  const attachments = [{ id: newId(), name: 'a "b".png', content_type: 'image/png', size: 3 }];
  const { chat } = await insertChat(
    world.database.db,
    world.alice,
    [
      { id: id('q1'), role: 'user', content: 'q1 "quoted" \\ ünïcode\n', createdAt: t(1), attachments },
      { id: id('a1'), role: 'assistant', content: 'a1', createdAt: t(2), metadata, rating: 'up' },
      { id: id('q2'), role: 'user', content: 'q2', createdAt: t(3), pinned: true },
      { id: id('a2'), role: 'assistant', content: 'a2', createdAt: t(4), status: 'failed' },
      { id: id('a2b'), parentId: id('q2'), role: 'assistant', content: 'a2b', createdAt: t(5) },
      { id: id('q3'), role: 'user', content: 'q3', createdAt: t(6) },
      { id: id('r2'), parentId: null, role: 'user', content: 'r2', createdAt: t(7) },
      {
        id: id('a3'),
        parentId: id('q3'),
        role: 'assistant',
        content: '',
        createdAt: t(8),
        status: 'streaming',
      },
    ],
    'Branched',
  );
  await world.database.db
    .update(chats)
    .set({ currentLeafId: id('a3'), systemPrompt: 'Be brief.' })
    .where(eq(chats.id, chat.id));
  // microseconds that a JS Date drops, and a millisecond that float parsing could round the wrong way
  await world.database.db.execute(
    sql`update ${messages} set updated_at = created_at + interval '0.029999 seconds' where chat_id = ${chat.id}`,
  );
  await world.database.db.execute(
    sql`update ${chats} set created_at = '2026-01-01T00:00:00.999999Z', updated_at = now() where id = ${chat.id}`,
  );
  return { chat, id };
}

/** The chat page as the JS mappers make it (what GET /chats/{id} answered before the world.database built it). */
async function mapped(userId: string, chatId: string, from: 'leaf' | string | null, limit: number) {
  const [chat] = await world.database.db
    .select()
    .from(chats)
    .where(and(eq(chats.id, chatId), eq(chats.userId, userId)));
  if (!chat) return undefined;
  const page =
    from === null
      ? { messages: [], hasMore: false }
      : await pathTo(world.database.db, userId, chatId, { from, limit });
  return {
    ...toChatSummary(chat),
    current_leaf_id: chat.currentLeafId,
    messages: page.messages.map(toPathMessage),
    has_more: page.hasMore,
  };
}

async function built(userId: string, chatId: string, from: 'leaf' | string | null, limit: number) {
  const page = await chatPageJson(world.database.db, userId, chatId, { from, limit });
  // the version read alone is the one read with the page (read-cache.ts relies on it)
  if (page) expect(await chatPageVersion(world.database.db, userId, chatId, page.version)).toBe(page.version);
  return page === undefined ? undefined : chatWithMessages.parse(JSON.parse(page.json));
}

describe('a chat page as JSON (reads.repository)', () => {
  it('is what the mappers make of the path, with every field, window and start', async () => {
    const { chat, id } = await branchedChat();
    const cases: ['leaf' | string | null, number][] = [
      ['leaf', 100],
      ['leaf', 2],
      ['leaf', 6],
      ['leaf', 5],
      [id('a2'), 10],
      [id('a2'), 4],
      [id('q1'), 1],
      [null, 100],
    ];
    for (const [from, limit] of cases) {
      const expected = await mapped(world.alice, chat.id, from, limit);
      expect(await built(world.alice, chat.id, from, limit), `${from} ${limit}`).toEqual(expected);
    }
    const whole = await built(world.alice, chat.id, 'leaf', 100);
    expect(whole?.messages.map((m) => m.content.slice(0, 2))).toEqual(['q1', 'a1', 'q2', 'a2', 'q3', '']);
    expect(whole?.messages[0]?.sibling_ids).toEqual([id('q1'), id('r2')]);
    expect(whole?.messages[3]).toMatchObject({
      id: id('a2b'),
      sibling_ids: [id('a2'), id('a2b')],
      sibling_index: 1,
    });
    expect(whole?.messages[0]?.updated_at).toBe('2026-01-01T00:00:01.029Z');
    expect(whole?.created_at).toBe('2026-01-01T00:00:00.999Z');
  });

  it('is undefined for another user’s chat, and has no messages for an empty chat', async () => {
    const { chat } = await branchedChat();
    expect(
      await chatPageJson(world.database.db, world.bob, chat.id, { from: 'leaf', limit: 100 }),
    ).toBeUndefined();
    const empty = await insertChat(world.database.db, world.alice, [], 'Empty');
    const page = await built(world.alice, empty.chat.id, 'leaf', 100);
    expect(page).toEqual(await mapped(world.alice, empty.chat.id, 'leaf', 100));
    expect(page).toMatchObject({ messages: [], has_more: false, current_leaf_id: null });
  });
});

describe('the chat list as JSON (reads.repository)', () => {
  it('pages every chat of the user once, newest activity first, each as toChatSummary makes it', async () => {
    const [user] = await world.database.db
      .insert(users)
      .values({ email: `list-${newId()}@example.com`, passwordHash: 'x' })
      .returning({ id: users.id });
    const userId = user?.id ?? '';
    for (let i = 0; i < 7; i++) await insertChat(world.database.db, userId, [], `chat ${i}`);
    await insertChat(world.database.db, world.bob, [], 'not theirs');
    // two chats within the same millisecond, one with the same instant: the keyset must not skip or repeat
    const rows = await world.database.db.select().from(chats).where(eq(chats.userId, userId));
    const at = ['2026-02-01T00:00:00.000100Z', '2026-02-01T00:00:00.000200Z', '2026-02-01T00:00:00.000200Z'];
    for (const [i, when] of at.entries()) {
      await world.database.db.execute(
        sql`update ${chats} set updated_at = ${when}::timestamptz where id = ${rows[i]?.id}`,
      );
    }
    const expected = (
      await world.database.db
        .select()
        .from(chats)
        .where(eq(chats.userId, userId))
        .orderBy(desc(chats.updatedAt), desc(chats.id))
    ).map(toChatSummary);

    const seen: unknown[] = [];
    let after: { updatedAt: string; id: string } | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const read = await chatListJson(world.database.db, userId, 3, after);
      expect(await chatListVersion(world.database.db, userId, 3, after)).toBe(read.version);
      expect(read.version.split(',').length).toBe(Math.min(4, expected.length - seen.length));
      const page = chatList.parse(JSON.parse(read.json));
      seen.push(...page.chats);
      if (!page.next_cursor) break;
      const { at, id } = decodeTimeIdCursor(page.next_cursor);
      after = { updatedAt: at, id };
    }
    expect(seen).toEqual(expected);
    expect(JSON.parse((await chatListJson(world.database.db, world.bob, 50)).json)).toMatchObject({
      next_cursor: null,
    });
    const none = await chatListJson(world.database.db, newId(), 50);
    expect(JSON.parse(none.json)).toEqual({ chats: [], next_cursor: null });
    expect([none.version, await chatListVersion(world.database.db, newId(), 50)]).toEqual(['', '']);
  });
});
