import { z } from 'zod';
import { nextCursor, pageQuery, timestamp } from './common.js';

export const fileInfo = z.object({
  id: z.uuid(),
  name: z.string(),
  size: z.number().int(),
  content_type: z.string(),
  chat_id: z.uuid().nullable(),
  visibility: z.enum(['public', 'private']),
  /** Public files: their public path. Private ones: a signed URL that expires. */
  url: z.string(),
  created_at: timestamp,
});
export type FileInfo = z.infer<typeof fileInfo>;

export const fileList = z.object({ files: z.array(fileInfo), next_cursor: nextCursor });
export const fileListQuery = pageQuery.extend({ chat_id: z.uuid().optional() });
export const uploadQuery = z.object({ chat_id: z.uuid().optional() });
export const signedQuery = z.object({
  expires: z.coerce.number().int().optional(),
  sig: z.string().max(128).optional(),
});
export const avatarResponse = z.object({ avatar_url: z.string() });
