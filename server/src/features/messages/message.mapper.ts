import type { Message, PathMessage } from '@pocketllm/contracts';
import { type SQL, sql } from 'drizzle-orm';
import type { MessageRow } from '../../db/schema/index.js';
import { isoInstantSql } from '../../db/sql-json.js';

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

/**
 * toPathMessage in SQL: the JSON of a messages row named `alias` whose sibling ids (oldest first) are the uuid[]
 * `siblingIds`, for opening a chat in one statement (chats/reads.repository.ts). The two must stay the same
 * (chats/reads.repository.test.ts compares them).
 */
export function pathMessageJsonSql(alias: string, siblingIds: SQL): SQL {
  const m = (column: string) => sql.raw(`${alias}.${column}`);
  return sql`json_build_object('id', ${m('id')}, 'chat_id', ${m('chat_id')}, 'parent_id', ${m('parent_id')},
    'role', ${m('role')}, 'content', ${m('content')}, 'status', ${m('status')}, 'metadata', ${m('metadata')},
    'rating', ${m('rating')}, 'pinned', ${m('pinned')}, 'attachments', ${m('attachments')},
    'created_at', ${isoInstantSql(m('created_at'))}, 'updated_at', ${isoInstantSql(m('updated_at'))},
    'sibling_ids', ${siblingIds}, 'sibling_index', greatest(0, array_position(${siblingIds}, ${m('id')}) - 1))`;
}
