import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.js';
import { chats, messages } from '../../../db/schema/index.js';
import { newId } from '../../../lib/ids.js';
import type { ImportedChat } from './imported-chat.js';

/** Rows per INSERT: well under PostgreSQL's 65,535 parameters, few round trips for a long chat. */
const BATCH = 500;

/**
 * Stores one conversation in one transaction: the chat, its messages (parents before children) and its
 * current leaf. A chat already imported from the same source is left alone.
 * @returns the number of messages stored, or null when the conversation was imported before
 */
export async function insertImportedChat(db: Db, userId: string, chat: ImportedChat): Promise<number | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(chats)
      .values({
        userId,
        title: chat.title,
        importSourceId: chat.sourceId,
        messageCount: chat.messages.length,
        createdAt: chat.createdAt,
        updatedAt: chat.updatedAt,
      })
      .onConflictDoNothing()
      .returning({ id: chats.id });
    if (!row) return null;
    const ids = new Map(chat.messages.map((m) => [m.key, newId()]));
    for (let i = 0; i < chat.messages.length; i += BATCH) {
      const rows = chat.messages.slice(i, i + BATCH).map((m) => ({
        id: ids.get(m.key) as string,
        chatId: row.id,
        userId,
        parentId: m.parentKey === null ? null : (ids.get(m.parentKey) ?? null),
        role: m.role,
        content: m.content,
        status: m.status,
        metadata: {
          ...(m.provider ? { provider: m.provider } : {}),
          ...(m.model ? { model: m.model } : {}),
          imported: true,
        },
        createdAt: m.createdAt,
        updatedAt: m.createdAt,
      }));
      await tx.insert(messages).values(rows);
    }
    const leaf = chat.leafKey === null ? undefined : ids.get(chat.leafKey);
    if (leaf) {
      await tx
        .update(chats)
        .set({ currentLeafId: leaf, updatedAt: chat.updatedAt })
        .where(eq(chats.id, row.id));
    }
    return chat.messages.length;
  });
}
