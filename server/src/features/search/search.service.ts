import type { Db } from '../../db/client.js';
import { notFound } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { chatBelongsTo } from '../chats/chats.repository.js';
import { countMatches, type SearchRow, searchMessages } from './search.repository.js';
import { keepEndPunctuation, toSnippet } from './snippet.js';

export interface SearchInput {
  q: string;
  limit: number;
  cursor?: string | undefined;
}

const iso = (v: string | Date) => (v instanceof Date ? v : new Date(v)).toISOString();

const toHit = (r: SearchRow) => ({
  message_id: r.id,
  role: r.role,
  content: r.content,
  snippet: toSnippet(keepEndPunctuation(r.snippet, r.content)),
  created_at: iso(r.created_at),
});

export function createSearchService({ db }: { db: Db }) {
  /** Ranked results are paged by offset: a rank is not a stable key to resume from. */
  async function run(userId: string, chatId: string | undefined, input: SearchInput) {
    const q = input.q.trim();
    const offset = input.cursor ? Number(decodeCursor(input.cursor, 1)[0]) : 0;
    if (!q) return { q, rows: [], total: 0, nextCursor: null };
    const args = { userId, q, ...(chatId ? { chatId } : {}) };
    const rows = await searchMessages(db, { ...args, limit: input.limit, offset });
    const total = rows[0] ? Number(rows[0].total) : offset > 0 ? await countMatches(db, args) : 0;
    const nextCursor = offset + rows.length < total ? encodeCursor([offset + rows.length]) : null;
    return { q, rows, total, nextCursor };
  }

  return {
    /** Full-text search in one of the caller's chats. @throws not_found for another user's chat. */
    async searchChat(userId: string, chatId: string, input: SearchInput) {
      if (!(await chatBelongsTo(db, userId, chatId))) throw notFound('Chat');
      const { q, rows, total, nextCursor } = await run(userId, chatId, input);
      return {
        query: q,
        chat_id: chatId,
        results: rows.map(toHit),
        total_results: total,
        next_cursor: nextCursor,
      };
    },

    /** Full-text search across all of the caller's chats, each hit with its chat's id and title. */
    async searchAll(userId: string, input: SearchInput) {
      const { q, rows, total, nextCursor } = await run(userId, undefined, input);
      const results = rows.map((r) => ({ ...toHit(r), chat_id: r.chat_id, chat_title: r.chat_title }));
      return { query: q, results, total_results: total, next_cursor: nextCursor };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
