import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertChat } from '../../../test/helpers/chat-rows.js';
import { createTestDatabase } from '../../../test/helpers/test-db.js';
import type { Database } from '../../db/client.js';
import { messages, users } from '../../db/schema/index.js';
import {
  type AnswerWrite,
  createAnswerWrites,
  finishAnswers,
  grouped,
  SAVE_AT_MOST_EVERY_MS,
  SAVE_EVERY_MS,
  saveIntervalMs,
} from './answer-writes.js';

let database: Database;
let alice: string;
beforeAll(async () => {
  database = await createTestDatabase();
  const [row] = await database.db
    .insert(users)
    .values({ email: 'alice@example.com', passwordHash: 'x' })
    .returning({ id: users.id });
  alice = row?.id ?? '';
});
afterAll(() => database.close());

/** `n` empty answers being written. */
async function streamingAnswers(n: number) {
  const { messages: rows } = await insertChat(
    database.db,
    alice,
    Array.from({ length: n }, () => ({
      role: 'assistant' as const,
      content: '',
      status: 'streaming' as const,
    })),
  );
  return rows.map((r) => r.id);
}

const read = (ids: string[]) =>
  database.db
    .select({
      id: messages.id,
      content: messages.content,
      status: messages.status,
      metadata: messages.metadata,
    })
    .from(messages)
    .where(inArray(messages.id, ids));

describe('how often a running answer saves its text', () => {
  it('every 250 ms with few answers running, less often with many, never less than every 5 s', () => {
    expect(saveIntervalMs(1)).toBe(SAVE_EVERY_MS);
    expect(saveIntervalMs(100)).toBe(SAVE_EVERY_MS);
    // 1,000 answers: together still about 400 row writes a second, not 4,000.
    expect(1000 / (saveIntervalMs(1000) / 1000)).toBe(400);
    expect(saveIntervalMs(100_000)).toBe(SAVE_AT_MOST_EVERY_MS);
  });
});

describe('answer writes, grouped', () => {
  it('sends what queues while a statement runs as one statement, and stores every write', async () => {
    const ids = await streamingAnswers(5);
    const groups: number[] = [];
    const finish = grouped(async (ws: AnswerWrite[]) => {
      groups.push(ws.length);
      return new Map((await finishAnswers(database.db, ws)).map((r) => [r.id, r]));
    }, undefined);
    const rows = await Promise.all(
      ids.map((id, i) =>
        finish({ id, content: `answer ${i}`, status: 'completed', metadata: { finish_reason: 'stop' } }),
      ),
    );
    // The first goes out at once (nothing waits when little runs); the four behind it go together.
    expect(groups).toEqual([1, 4]);
    expect(rows.map((r) => r?.content)).toEqual(ids.map((_, i) => `answer ${i}`));
    const stored = await read(ids);
    expect(stored).toHaveLength(5);
    for (const s of stored) {
      expect(s.status).toBe('completed');
      expect(s.metadata).toEqual({ finish_reason: 'stop' });
      expect(s.content).toBe(`answer ${ids.indexOf(s.id)}`);
    }
  });

  it('keeps what a write leaves out, and answers undefined for a row that is gone', async () => {
    const [id = ''] = await streamingAnswers(1);
    const writes = createAnswerWrites(database.db);
    await writes.finish({ id, content: 'kept text', status: 'completed', metadata: { cached: false } });
    const row = await writes.finish({ id, status: 'failed', metadata: { finish_reason: 'error' } });
    expect(row).toMatchObject({
      content: 'kept text',
      status: 'failed',
      metadata: { finish_reason: 'error' },
    });
    expect(await writes.finish({ id: randomUUID(), status: 'failed' })).toBeUndefined();
  });

  it("saves a running answer's text in order, and never over an answer that has ended", async () => {
    const [running = '', ended = ''] = await streamingAnswers(2);
    const writes = createAnswerWrites(database.db);
    await writes.finish({ id: ended, content: 'the whole answer', status: 'completed' });
    // Three saves of one answer queued at once go one after the other (an id appears once per statement).
    await Promise.all([
      writes.saveText({ id: running, content: 'a' }),
      writes.saveText({ id: running, content: 'ab' }),
      writes.saveText({ id: ended, content: 'the wh' }),
      writes.saveText({ id: running, content: 'abc' }),
    ]);
    const stored = new Map((await read([running, ended])).map((r) => [r.id, r]));
    expect(stored.get(running)).toMatchObject({ content: 'abc', status: 'streaming' });
    expect(stored.get(ended)).toMatchObject({ content: 'the whole answer', status: 'completed' });
  });

  it('retries a refused group one write at a time: only the bad write fails', async () => {
    const ids = await streamingAnswers(3);
    const writes = createAnswerWrites(database.db);
    const [first = '', second = '', third = ''] = ids;
    const results = await Promise.allSettled([
      writes.finish({ id: first, content: 'one', status: 'completed' }),
      writes.finish({ id: second, content: 'two', status: 'completed' }),
      // PostgreSQL cannot store NUL in text: the statement carrying this write is refused.
      writes.finish({ id: third, content: 'bad \u0000 text', status: 'completed' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const stored = new Map((await read(ids)).map((r) => [r.id, r]));
    expect(stored.get(first)?.content).toBe('one');
    expect(stored.get(second)?.content).toBe('two');
    expect(stored.get(third)).toMatchObject({ content: '', status: 'streaming' });
    const [gone] = await database.db.select().from(messages).where(eq(messages.id, third));
    expect(gone?.status).toBe('streaming');
  });

  it('stores text and metadata exactly, whatever characters they hold (the writes travel as arrays)', async () => {
    // What an array literal quotes or escapes, and what it could mistake for a null or another element.
    const odd = ['NULL', '', '{}', 'a,b', '"', '\\', "it's", '{"x":1}', 'é 漢字 😀', ' spaced ', '\n\t'];
    const ids = await streamingAnswers(odd.length * 2);
    const writes = createAnswerWrites(database.db);
    const saving = ids.slice(0, odd.length);
    const ending = ids.slice(odd.length);
    await Promise.all(writes.saveTexts(saving.map((id, i) => ({ id, content: odd[i] }))));
    await Promise.all(
      ending.map((id, i) =>
        writes.finish({ id, content: odd[i], status: 'completed', metadata: { note: odd[i] ?? '' } }),
      ),
    );
    const stored = new Map((await read(ids)).map((r) => [r.id, r]));
    for (const [i, id] of saving.entries())
      expect(stored.get(id)).toMatchObject({ content: odd[i], status: 'streaming' });
    for (const [i, id] of ending.entries())
      expect(stored.get(id)).toMatchObject({
        content: odd[i],
        status: 'completed',
        metadata: { note: odd[i] },
      });
  });
});
