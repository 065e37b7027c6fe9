import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { aliceAndBobWorld, insertChat } from '../../../../test/helpers/chat-rows.js';
import { chats, messages } from '../../../db/schema/index.js';
import { HISTORY_TOKEN_BUDGET } from '../context-window.js';
import { loadSendState } from '../send.repository.js';
import { answerFromCache, persistTurn } from './persist.js';

const world = aliceAndBobWorld();

describe('send state (the read before a send)', () => {
  it('reads the chat and its history oldest first, and nothing of another user', async () => {
    const { chat } = await insertChat(world.database.db, world.alice, [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two', status: 'failed' },
      { role: 'user', content: 'three' },
    ]);
    const state = await loadSendState(world.database.db, world.alice, chat.id);
    expect(state?.chat).toEqual({ id: chat.id, title: 'A chat', modelConfigId: null, systemPrompt: null });
    expect(state?.history).toEqual([
      { role: 'user', content: 'one', status: 'completed' },
      { role: 'assistant', content: 'two', status: 'failed' },
      { role: 'user', content: 'three', status: 'completed' },
    ]);
    expect(await loadSendState(world.database.db, world.bob, chat.id)).toBeUndefined();
  });

  it('reads an empty chat as no history, and the path back only as far as the token budget', async () => {
    const empty = await insertChat(world.database.db, world.alice, []);
    expect((await loadSendState(world.database.db, world.alice, empty.chat.id))?.history).toEqual([]);
    // Each message costs ceil(396 / 4) + 4 = 103 tokens; the budget holds 8192 / 103 → 80 of them, and the
    // walk reads the one that crosses it (the context window then drops it).
    const many = Array.from({ length: 200 }, (_, i) => ({
      role: 'user' as const,
      content: `m${String(i).padStart(3, '0')}${'x'.repeat(392)}`,
    }));
    const long = await insertChat(world.database.db, world.alice, many);
    const history = (await loadSendState(world.database.db, world.alice, long.chat.id))?.history ?? [];
    expect(history).toHaveLength(Math.ceil(HISTORY_TOKEN_BUDGET / 103));
    expect(history.at(-1)?.content.slice(0, 4)).toBe('m199');
    const small = await loadSendState(world.database.db, world.alice, long.chat.id, { budget: 206 });
    expect(small?.history.map((h) => h.content.slice(0, 4))).toEqual(['m198', 'm199']);
  });

  it('reads from a given parent, and gives no parent for a message of another chat', async () => {
    const { chat, messages: rows } = await insertChat(world.database.db, world.alice, [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two' },
      { role: 'user', content: 'three' },
    ]);
    const first = rows[0]?.id ?? '';
    const state = await loadSendState(world.database.db, world.alice, chat.id, {
      parentId: rows[1]?.id ?? '',
    });
    expect(state?.history.map((h) => h.content)).toEqual(['one', 'two']);
    expect(state?.parentId).toBe(rows[1]?.id);
    expect((await loadSendState(world.database.db, world.alice, chat.id))?.parentId).toBe(rows[2]?.id);
    expect(await loadSendState(world.database.db, world.alice, chat.id, { parentId: null })).toMatchObject({
      parentId: null,
      history: [],
    });
    const other = await insertChat(world.database.db, world.alice, [{ role: 'user', content: 'x' }]);
    expect(
      await loadSendState(world.database.db, world.alice, other.chat.id, { parentId: first }),
    ).toMatchObject({
      parentId: null,
      history: [],
    });
  });
});

describe('persist (send step 4)', () => {
  it('stores both rows, counts them and names an untitled chat after its first prompt', async () => {
    const { chat } = await insertChat(world.database.db, world.alice, [], 'placeholder');
    await world.database.db.update(chats).set({ title: null }).where(eq(chats.id, chat.id));
    const turn = await persistTurn(world.database.db, {
      parentId: null,
      chatId: chat.id,
      userId: world.alice,
      chatTitle: null,
      prompt: 'What is PGlite?\nmore',
      answer: { status: 'streaming', content: '', metadata: { provider: 'openai', model: 'm' } },
    });
    expect(turn.userMessage).toMatchObject({
      role: 'user',
      content: 'What is PGlite?\nmore',
      status: 'completed',
    });
    expect(turn.assistantRow).toMatchObject({
      role: 'assistant',
      status: 'streaming',
      metadata: { model: 'm' },
    });
    expect(turn.assistantRow.createdAt.getTime()).toBeGreaterThan(
      new Date(turn.userMessage.created_at).getTime(),
    );
    const [row] = await world.database.db.select().from(chats).where(eq(chats.id, chat.id));
    expect(row).toMatchObject({ title: 'What is PGlite?', messageCount: 2 });
    expect(row?.updatedAt.getTime()).toBe(turn.assistantRow.updatedAt.getTime());

    // A titled chat keeps its title; the counter goes on.
    await persistTurn(world.database.db, {
      parentId: null,
      chatId: chat.id,
      userId: world.alice,
      chatTitle: 'What is PGlite?',
      prompt: 'Another',
      answer: { status: 'streaming', content: '', metadata: {} },
    });
    const [again] = await world.database.db.select().from(chats).where(eq(chats.id, chat.id));
    expect(again).toMatchObject({ title: 'What is PGlite?', messageCount: 4 });
    const stored = await world.database.db.select().from(messages).where(eq(messages.chatId, chat.id));
    expect(stored.map((m) => m.content).sort()).toEqual(['', '', 'Another', 'What is PGlite?\nmore']);
  });

  it('stores a cached answer complete, saying where it came from', async () => {
    const { chat } = await insertChat(world.database.db, world.alice, []);
    const hit = {
      semantic: true,
      answer: { content: 'cached!', tokensIn: 3, tokensOut: 2, finishReason: 'stop', createdAt: 0 },
    };
    const turn = await persistTurn(world.database.db, {
      parentId: null,
      chatId: chat.id,
      userId: world.alice,
      chatTitle: 'A chat',
      prompt: 'q',
      answer: answerFromCache({ provider: 'openai', model: 'm' }, hit, 4),
    });
    expect(turn.assistantRow).toMatchObject({
      status: 'completed',
      content: 'cached!',
      metadata: { cached: true, cache_match: 'similar', latency_ms: 4, tokens_out: 2, finish_reason: 'stop' },
    });
  });

  it('answers not_found, storing nothing, when the chat was deleted since it was read', async () => {
    const { chat } = await insertChat(world.database.db, world.alice, []);
    await world.database.db.delete(chats).where(eq(chats.id, chat.id));
    await expect(
      persistTurn(world.database.db, {
        parentId: null,
        chatId: chat.id,
        userId: world.alice,
        chatTitle: 'A chat',
        prompt: 'lost?',
        answer: { status: 'streaming', content: '', metadata: {} },
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await world.database.db.select().from(messages).where(eq(messages.chatId, chat.id))).toEqual([]);
  });
});
