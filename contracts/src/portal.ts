import { z } from 'zod';
import { message } from './chats.js';
import { timestamp } from './common.js';

/**
 * The legacy MVP API's contract (`/v1/chat`, `/v1/sessions`, kept for the first clients): sessions are chats,
 * under the names those clients use.
 */
export const portalChatBody = z.object({
  session_id: z.uuid(),
  prompt: z.string().min(1, 'prompt must not be empty').max(200_000),
});
export const portalChatResult = z.object({ message_id: z.uuid(), content: z.string(), cached: z.boolean() });

export const portalCreateSessionBody = z.object({ title: z.string().trim().min(1).max(200).optional() });
export const portalSessionCreated = z.object({ session_id: z.uuid() });
export const portalSession = z.object({
  session_id: z.uuid(),
  title: z.string().nullable(),
  message_count: z.number().int(),
  created_at: timestamp,
  updated_at: timestamp,
});
export const portalSessionList = z.array(portalSession);
export const portalSessionDetail = portalSession.extend({ messages: z.array(message) });

export const portalSearchQuery = z.object({
  q: z.string().max(500),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});
export const portalSearchResult = z.object({
  query: z.string(),
  session_id: z.uuid(),
  results: z.array(
    z.object({
      message_id: z.uuid(),
      role: z.string(),
      content: z.string(),
      snippet: z.string(),
      created_at: timestamp,
    }),
  ),
  total_results: z.number().int(),
});
