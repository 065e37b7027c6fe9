import { z } from 'zod';
import { messageRole } from './chats.js';
import { timestamp } from './common.js';

/** Share links last at most a year; without `expires_in_s` a link lasts until revoked. */
export const MAX_SHARE_TTL_S = 365 * 24 * 3600;

export const createShareBody = z
  .object({ expires_in_s: z.number().int().min(60).max(MAX_SHARE_TTL_S).optional() })
  .strict();
export type CreateShareBody = z.infer<typeof createShareBody>;

/** The token is shown once, here: only its hash is stored. */
export const shareCreated = z.object({
  token: z.string(),
  url: z.string(),
  expires_at: timestamp.nullable(),
  created_at: timestamp,
});
export type ShareCreated = z.infer<typeof shareCreated>;

/** Whether a chat has a live share link (the token itself cannot be shown again). */
export const shareStatus = z.object({
  shared: z.boolean(),
  expires_at: timestamp.nullable(),
  created_at: timestamp.nullable(),
});
export type ShareStatus = z.infer<typeof shareStatus>;

export const sharedTokenParams = z.object({ token: z.string().min(1).max(200) });

/** What a signed-out visitor sees: the snapshot only, never an id, an email or other metadata. */
export const sharedChat = z.object({
  title: z.string().nullable(),
  messages: z.array(z.object({ role: messageRole, content: z.string(), created_at: timestamp })),
  models: z.array(z.string()),
  shared_at: timestamp,
  expires_at: timestamp.nullable(),
});
export type SharedChat = z.infer<typeof sharedChat>;

export const CHAT_IMPORT_JOB = 'chat_import';

export const importAccepted = z.object({ job_id: z.uuid(), status: z.string() });
export type ImportAccepted = z.infer<typeof importAccepted>;

/** A chat import job's `output_data`, while it runs and when it is done. */
export const importProgress = z.object({
  format: z.enum(['chatgpt', 'pocketllm']).nullable(),
  bytes_read: z.number().int(),
  bytes_total: z.number().int(),
  percent: z.number(),
  conversations: z.number().int(),
  imported: z.number().int(),
  skipped: z.number().int(),
  messages: z.number().int(),
});
export type ImportProgress = z.infer<typeof importProgress>;
