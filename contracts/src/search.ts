import { z } from 'zod';
import { messageRole } from './chats.js';
import { nextCursor, timestamp } from './common.js';

/** `q` is required; an empty or junk query simply finds nothing. */
export const searchQuery = z.object({
  q: z.string().max(500, 'q must be at most 500 characters'),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z.string().max(512).optional(),
});
export type SearchQuery = z.infer<typeof searchQuery>;

export const searchHit = z.object({
  message_id: z.uuid(),
  role: messageRole,
  content: z.string(),
  /** The matching passage as safe HTML: the text HTML-escaped, the matched words wrapped in <b>…</b>. */
  snippet: z.string(),
  created_at: timestamp,
});

export const chatSearchResult = z.object({
  query: z.string(),
  chat_id: z.uuid(),
  results: z.array(searchHit),
  total_results: z.number().int(),
  next_cursor: nextCursor,
});

export const globalSearchHit = searchHit.extend({ chat_id: z.uuid(), chat_title: z.string().nullable() });
export const globalSearchResult = z.object({
  query: z.string(),
  results: z.array(globalSearchHit),
  total_results: z.number().int(),
  next_cursor: nextCursor,
});
