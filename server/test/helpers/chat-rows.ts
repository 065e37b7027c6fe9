import { eq } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import type { Database, Db } from '../../src/db/client.js';
import { chats, messages, users } from '../../src/db/schema/index.js';
import { newId } from '../../src/lib/ids.js';
import { returnedRow } from '../../src/lib/sql-rows.js';
import { createTestDatabase } from './test-db.js';

type NewMessage = Omit<typeof messages.$inferInsert, 'chatId' | 'userId'>;

/**
 * A chat row with messages, written straight to the database (no provider involved), oldest first. The
 * messages form one branch (each the child of the one before, unless it names its own `parentId`), and the
 * last one is the chat's current leaf.
 */
export async function insertChat(db: Db, userId: string, msgs: NewMessage[] = [], title = 'A chat') {
  const chat = returnedRow(
    await db.insert(chats).values({ userId, title, messageCount: msgs.length }).returning(),
    'chat insert',
  );
  const base = Date.now() - msgs.length * 1000;
  let previous: string | null = null;
  const values = msgs.map((m, i) => {
    const id: string = m.id ?? newId();
    const row = {
      createdAt: new Date(base + i * 1000),
      parentId: previous,
      ...m,
      id,
      chatId: chat.id,
      userId,
    };
    previous = id;
    return row;
  });
  const rows = values.length ? await db.insert(messages).values(values).returning() : [];
  if (previous) await db.update(chats).set({ currentLeafId: previous }).where(eq(chats.id, chat.id));
  return { chat: { ...chat, currentLeafId: previous }, messages: rows };
}

/** Two user rows written straight to the database (alice@ and bob@example.com); their ids. */
export async function insertAliceAndBob(db: Db): Promise<{ alice: string; bob: string }> {
  const rows = await db
    .insert(users)
    .values([
      { email: 'alice@example.com', passwordHash: 'x' },
      { email: 'bob@example.com', passwordHash: 'x' },
    ])
    .returning({ id: users.id });
  return { alice: rows[0]?.id ?? '', bob: rows[1]?.id ?? '' };
}

/** A test database with Alice and Bob, opened before a file's tests and closed after them. */
export function aliceAndBobWorld(): { database: Database; alice: string; bob: string } {
  const world = { alice: '', bob: '' } as { database: Database; alice: string; bob: string };
  beforeAll(async () => {
    world.database = await createTestDatabase();
    Object.assign(world, await insertAliceAndBob(world.database.db));
  });
  afterAll(() => world.database.close());
  return world;
}
