import type { Db } from '../../src/db/client.js';
import { chats, messages } from '../../src/db/schema/index.js';
import { returnedRow } from '../../src/lib/sql-rows.js';

type NewMessage = Omit<typeof messages.$inferInsert, 'chatId' | 'userId'>;

/** A chat row with messages, written straight to the database (no provider involved), oldest first. */
export async function insertChat(db: Db, userId: string, msgs: NewMessage[] = [], title = 'A chat') {
  const chat = returnedRow(
    await db.insert(chats).values({ userId, title, messageCount: msgs.length }).returning(),
    'chat insert',
  );
  const base = Date.now() - msgs.length * 1000;
  const rows = msgs.length
    ? await db
        .insert(messages)
        .values(msgs.map((m, i) => ({ createdAt: new Date(base + i * 1000), ...m, chatId: chat.id, userId })))
        .returning()
    : [];
  return { chat, messages: rows };
}
