import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertChat } from '../../../../test/helpers/chat-rows.js';
import { createTestDatabase } from '../../../../test/helpers/test-db.js';
import type { Database } from '../../../db/client.js';
import { chats, messages, users } from '../../../db/schema/index.js';
import { HISTORY_WINDOW, loadSendState } from '../send.repository.js';
import { answerFromCache, persistTurn } from './persist.js';

let database: Database;
let alice: string;
let bob: string;
beforeAll(async () => {
  database = await createTestDatabase();
  const rows = await database.db
    .insert(users)
    .values([
      { email: 'alice@example.com', passwordHash: 'x' },
      { email: 'bob@example.com', passwordHash: 'x' },
    ])
    .returning({ id: users.id });
  alice = rows[0]?.id ?? '';
  bob = rows[1]?.id ?? '';
});
afterAll(() => database.close());

describe('send state (the read before a send)', () => {
  it('reads the chat and its history oldest first, and nothing of another user', async () => {
    const { chat } = await insertChat(database.db, alice, [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two', status: 'failed' },
      { role: 'user', content: 'three' },
    ]);
    const state = await loadSendState(database.db, alice, chat.id);
    expect(state?.chat).toEqual({ id: chat.id, title: 'A chat', modelConfigId: null, systemPrompt: null });
    expect(state?.history).toEqual([
      { role: 'user', content: 'one', status: 'completed' },
      { role: 'assistant', content: 'two', status: 'failed' },
      { role: 'user', content: 'three', status: 'completed' },
    ]);
    expect(await loadSendState(database.db, bob, chat.id)).toBeUndefined();
  });

  it('reads an empty chat as no history, and at most the newest HISTORY_WINDOW messages', async () => {
    const empty = await insertChat(database.db, alice, []);
    expect((await loadSendState(database.db, alice, empty.chat.id))?.history).toEqual([]);
    const many = Array.from({ length: HISTORY_WINDOW + 3 }, (_, i) => ({
      role: 'user' as const,
      content: `m${i}`,
    }));
    const long = await insertChat(database.db, alice, many);
    const history = (await loadSendState(database.db, alice, long.chat.id))?.history ?? [];
    expect(history).toHaveLength(HISTORY_WINDOW);
    expect(history[0]?.content).toBe('m3');
    expect(history.at(-1)?.content).toBe(`m${HISTORY_WINDOW + 2}`);
  });
});

describe('persist (send step 4)', () => {
  it('stores both rows, counts them and names an untitled chat after its first prompt', async () => {
    const { chat } = await insertChat(database.db, alice, [], 'placeholder');
    await database.db.update(chats).set({ title: null }).where(eq(chats.id, chat.id));
    const turn = await persistTurn(database.db, {
      chatId: chat.id,
      userId: alice,
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
    const [row] = await database.db.select().from(chats).where(eq(chats.id, chat.id));
    expect(row).toMatchObject({ title: 'What is PGlite?', messageCount: 2 });
    expect(row?.updatedAt.getTime()).toBe(turn.assistantRow.updatedAt.getTime());

    // A titled chat keeps its title; the counter goes on.
    await persistTurn(database.db, {
      chatId: chat.id,
      userId: alice,
      chatTitle: 'What is PGlite?',
      prompt: 'Another',
      answer: { status: 'streaming', content: '', metadata: {} },
    });
    const [again] = await database.db.select().from(chats).where(eq(chats.id, chat.id));
    expect(again).toMatchObject({ title: 'What is PGlite?', messageCount: 4 });
    const stored = await database.db.select().from(messages).where(eq(messages.chatId, chat.id));
    expect(stored.map((m) => m.content).sort()).toEqual(['', '', 'Another', 'What is PGlite?\nmore']);
  });

  it('stores a cached answer complete, saying where it came from', async () => {
    const { chat } = await insertChat(database.db, alice, []);
    const hit = {
      semantic: true,
      answer: { content: 'cached!', tokensIn: 3, tokensOut: 2, finishReason: 'stop', createdAt: 0 },
    };
    const turn = await persistTurn(database.db, {
      chatId: chat.id,
      userId: alice,
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
    const { chat } = await insertChat(database.db, alice, []);
    await database.db.delete(chats).where(eq(chats.id, chat.id));
    await expect(
      persistTurn(database.db, {
        chatId: chat.id,
        userId: alice,
        chatTitle: 'A chat',
        prompt: 'lost?',
        answer: { status: 'streaming', content: '', metadata: {} },
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await database.db.select().from(messages).where(eq(messages.chatId, chat.id))).toEqual([]);
  });
});
