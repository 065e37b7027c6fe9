import type { ChatSummary } from '@pocketllm/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { isoInstantSql } from '../../db/sql-json.js';
import type { ChatSummaryRow } from './chats.repository.js';

export const toChatSummary = (c: ChatSummaryRow): ChatSummary => ({
  id: c.id,
  title: c.title,
  model_config_id: c.modelConfigId,
  system_prompt: c.systemPrompt,
  message_count: c.messageCount,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});

/**
 * toChatSummary in SQL: the json_build_object arguments of a chats row named `alias` in the statement, for
 * the hot reads that the database answers as JSON (reads.repository.ts). The two must stay the same
 * (reads.repository.test.ts compares them).
 */
export function chatSummaryJsonArgs(alias: string): SQL {
  const c = (column: string) => sql.raw(`${alias}.${column}`);
  return sql`'id', ${c('id')}, 'title', ${c('title')}, 'model_config_id', ${c('model_config_id')},
    'system_prompt', ${c('system_prompt')}, 'message_count', ${c('message_count')},
    'created_at', ${isoInstantSql(c('created_at'))}, 'updated_at', ${isoInstantSql(c('updated_at'))}`;
}
