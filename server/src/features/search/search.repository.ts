import { messageRole } from '@pocketllm/contracts';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { sqlRows } from '../../lib/sql-rows.js';

const searchRow = z.object({
  id: z.string(),
  chat_id: z.string(),
  chat_title: z.string().nullable(),
  role: messageRole,
  content: z.string(),
  created_at: z.union([z.string(), z.date()]),
  snippet: z.string(),
  total: z.union([z.string(), z.number()]),
});
export type SearchRow = z.infer<typeof searchRow>;

export interface SearchArgs {
  userId: string;
  /** Restrict to one chat (already checked to be the user's). */
  chatId?: string;
  q: string;
  limit: number;
  offset: number;
}

// Control characters mark the matches so the service can HTML-escape the text and only then add <b>…</b>.
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';
const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "`;
('StartSel=<b>, StopSel=</b>, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "');

/**
 * Full-text search over the user's messages through the stored vector messages.content_tsv (GIN index
 * messages_search_idx, migration 0002): ranking and phrase rechecks read the stored vector instead of
 * re-parsing every match's text. Ranked by ts_rank, then recency. The matches are kept narrow (no content)
 * and only the page's rows are joined back for content and ts_headline.
 */
export async function searchMessages(db: Db, a: SearchArgs): Promise<SearchRow[]> {
  const query = sql`websearch_to_tsquery('english', ${a.q})`;
  const chatFilter = a.chatId ? sql`and m.chat_id = ${a.chatId}` : sql``;
  const result = await db.execute(sql`
    with hits as (
      select m.id, m.created_at, ts_rank(m.content_tsv, ${query}) as rank
      from messages m
      where m.user_id = ${a.userId} ${chatFilter} and m.content_tsv @@ ${query}
    ), page as (
      select * from hits order by rank desc, created_at desc, id desc limit ${a.limit} offset ${a.offset}
    )
    select m.id, m.chat_id, c.title as chat_title, m.role, m.content, m.created_at,
           ts_headline('english', m.content, ${query}, ${HEADLINE_OPTIONS}) as snippet,
           (select count(*) from hits) as total
    from page p join messages m on m.id = p.id join chats c on c.id = m.chat_id
    order by p.rank desc, p.created_at desc, p.id desc`);
  return sqlRows(result, searchRow);
}

/** The number of matches when the requested page is past the end (the page query then returns no row). */
export async function countMatches(db: Db, a: Omit<SearchArgs, 'limit' | 'offset'>): Promise<number> {
  const query = sql`websearch_to_tsquery('english', ${a.q})`;
  const chatFilter = a.chatId ? sql`and m.chat_id = ${a.chatId}` : sql``;
  const result = await db.execute(sql`
    select count(*) as n from messages m
    where m.user_id = ${a.userId} ${chatFilter} and m.content_tsv @@ ${query}`);
  return Number(sqlRows(result, z.object({ n: z.union([z.string(), z.number()]) }))[0]?.n ?? 0);
}
