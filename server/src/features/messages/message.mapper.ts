import type { Message } from '@pocketllm/contracts';
import type { MessageRow } from '../../db/schema/index.js';

/** A stored message as the API shows it (contracts `message`): snake_case, ISO timestamps. */
export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    chat_id: row.chatId,
    role: row.role,
    content: row.content,
    status: row.status,
    metadata: row.metadata,
    rating: row.rating,
    pinned: row.pinned,
    attachments: row.attachments,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
