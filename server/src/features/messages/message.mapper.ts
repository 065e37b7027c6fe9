import type { Message, PathMessage } from '@pocketllm/contracts';
import type { MessageRow } from '../../db/schema/index.js';

/** A stored message as the API shows it (contracts `message`): snake_case, ISO timestamps. */
export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    chat_id: row.chatId,
    parent_id: row.parentId,
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

/** A message on a chat's path with its siblings, so a client can show "2 / 3" and switch. */
export function toPathMessage(p: { row: MessageRow; siblingIds: string[] }): PathMessage {
  return {
    ...toMessage(p.row),
    sibling_ids: p.siblingIds,
    sibling_index: Math.max(0, p.siblingIds.indexOf(p.row.id)),
  };
}
