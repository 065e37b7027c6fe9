import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { aliceAndBobWorld, insertChat } from '../../../test/helpers/chat-rows.js';
import { chats, messages } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { currentPath, newestDescendant, pathTo } from './tree.repository.js';

const world = aliceAndBobWorld();

/** q1 → a1 → q2 → {a2, a2b → q3 → a3}; plus a second root r2. Leaf: a3. */
async function tree() {
  const ids = Object.fromEntries(['q1', 'a1', 'q2', 'a2', 'a2b', 'q3', 'a3', 'r2'].map((k) => [k, newId()]));
  const id = (k: string) => ids[k] ?? '';
  const t = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n));
  const { chat } = await insertChat(world.database.db, world.alice, [
    { id: id('q1'), role: 'user', content: 'q1', createdAt: t(1) },
    { id: id('a1'), role: 'assistant', content: 'a1', createdAt: t(2) },
    { id: id('q2'), role: 'user', content: 'q2', createdAt: t(3) },
    { id: id('a2'), role: 'assistant', content: 'a2', createdAt: t(4) },
    { id: id('a2b'), parentId: id('q2'), role: 'assistant', content: 'a2b', createdAt: t(5) },
    { id: id('q3'), role: 'user', content: 'q3', createdAt: t(6) },
    { id: id('r2'), parentId: null, role: 'user', content: 'r2', createdAt: t(7) },
    { id: id('a3'), parentId: id('q3'), role: 'assistant', content: 'a3', createdAt: t(8) },
  ]);
  await world.database.db
    .update(chats)
    .set({ currentLeafId: id('a3') })
    .where(eq(chats.id, chat.id));
  return { chat, id };
}

describe('the path of a chat (tree.repository)', () => {
  it('walks root → leaf with each message’s siblings, oldest first', async () => {
    const { chat, id } = await tree();
    const path = await currentPath(world.database.db, world.alice, chat.id);
    expect(path.map((p) => p.row.content)).toEqual(['q1', 'a1', 'q2', 'a2b', 'q3', 'a3']);
    expect(path[0]?.siblingIds).toEqual([id('q1'), id('r2')]);
    expect(path[3]?.siblingIds).toEqual([id('a2'), id('a2b')]);
    expect(path[5]?.siblingIds).toEqual([id('a3')]);
    expect(path[5]?.row.parentId).toBe(id('q3'));
  });

  it('reads a window of the newest messages, or the path above a message', async () => {
    const { chat, id } = await tree();
    const newest = await pathTo(world.database.db, world.alice, chat.id, { limit: 2 });
    expect(newest.messages.map((p) => p.row.content)).toEqual(['q3', 'a3']);
    expect(newest.hasMore).toBe(true);
    const above = await pathTo(world.database.db, world.alice, chat.id, { from: id('a2'), limit: 10 });
    expect(above.messages.map((p) => p.row.content)).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(above.hasMore).toBe(false);
    const exact = await pathTo(world.database.db, world.alice, chat.id, { from: id('a2'), limit: 4 });
    expect(exact).toMatchObject({ hasMore: false });
    expect(exact.messages).toHaveLength(4);
  });

  it('gives nothing for another user, an empty chat or a message of another chat', async () => {
    const { chat, id } = await tree();
    expect(await currentPath(world.database.db, world.bob, chat.id)).toEqual([]);
    const empty = await insertChat(world.database.db, world.alice, []);
    expect(await currentPath(world.database.db, world.alice, empty.chat.id)).toEqual([]);
    expect(
      (await pathTo(world.database.db, world.alice, empty.chat.id, { from: id('a1') })).messages,
    ).toEqual([]);
  });

  it('finds the newest descendant of a message (itself for a leaf)', async () => {
    const { chat, id } = await tree();
    expect(await newestDescendant(world.database.db, chat.id, id('q2'))).toBe(id('a3'));
    expect(await newestDescendant(world.database.db, chat.id, id('a2'))).toBe(id('a2'));
    expect(await newestDescendant(world.database.db, chat.id, id('r2'))).toBe(id('r2'));
    const other = await insertChat(world.database.db, world.alice, [{ role: 'user', content: 'x' }]);
    expect(await newestDescendant(world.database.db, other.chat.id, id('q2'))).toBeUndefined();
    const [row] = await world.database.db
      .select()
      .from(messages)
      .where(eq(messages.id, id('q1')));
    expect(row?.parentId).toBeNull();
  });
});
