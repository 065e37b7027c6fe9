import type { Message } from '@pocketllm/contracts';
import type { Db } from '../../db/client.js';
import type { MessageRow } from '../../db/schema/index.js';
import { AppError, notFound } from '../../errors.js';
import { decodeCursor, page } from '../../lib/cursor.js';
import type { UserEventLog } from '../../lib/user-events.js';
import { toMessage } from './message.mapper.js';
import { findOwnMessage, listPinned, setPinned, setRating } from './messages.repository.js';

export function createMessagesService({ db, userEvents }: { db: Db; userEvents?: UserEventLog }) {
  const updated = (row: MessageRow) => {
    const message = toMessage(row);
    userEvents?.publish(row.userId, {
      event: 'message.updated',
      data: { chat_id: row.chatId, parent_id: row.parentId, message },
    });
    return message;
  };
  return {
    /** The caller's message of any role. @throws not_found for a missing or another user's message. */
    async get(userId: string, id: string): Promise<Message> {
      const row = await findOwnMessage(db, userId, id);
      if (!row) throw notFound('Message');
      return toMessage(row);
    },

    /**
     * Rates an assistant message; `null` clears the rating.
     * @throws not_found; validation_error (field `message_id`) for a user or system message.
     */
    async rate(userId: string, id: string, rating: 'up' | 'down' | null): Promise<Message> {
      const row = await findOwnMessage(db, userId, id);
      if (!row) throw notFound('Message');
      if (row.role !== 'assistant') {
        throw new AppError('validation_error', 'message_id: only assistant messages can be rated', {
          details: { field: 'message_id', role: row.role },
        });
      }
      const rated = await setRating(db, userId, id, rating);
      if (!rated) throw notFound('Message');
      return updated(rated);
    },

    /** Sets `pinned`, or flips it when `pinned` is undefined. @throws not_found. */
    async pin(userId: string, id: string, pinned: boolean | undefined) {
      const row = await setPinned(db, userId, id, pinned);
      if (!row) throw notFound('Message');
      updated(row);
      return { message_id: row.id, pinned: row.pinned };
    },

    /** The caller's pinned messages across all chats, newest first. @throws validation_error for a bad cursor. */
    async listPinned(userId: string, limit: number, cursor?: string) {
      const after = cursor ? decodeCursor(cursor, 2) : undefined;
      const rows = await listPinned(
        db,
        userId,
        limit + 1,
        after ? { createdAtUs: Number(after[0]), id: String(after[1]) } : undefined,
      );
      const { items, nextCursor } = page(rows, limit, (r) => [Number(r.createdAtUs), r.row.id]);
      return {
        messages: items.map((r) => ({ ...toMessage(r.row), chat_title: r.chatTitle })),
        next_cursor: nextCursor,
      };
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
