import { z } from 'zod';
import { timestamp } from './common.js';

/** What a personal API key may call under /openai/v1. */
export const API_KEY_SCOPES = ['chat', 'models', 'embeddings'] as const;
export const apiKeyScope = z.enum(API_KEY_SCOPES);
export type ApiKeyScope = z.infer<typeof apiKeyScope>;

export const createApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  /** Default: every scope. */
  scopes: z.array(apiKeyScope).min(1).max(3).optional(),
  /** When the key stops working; absent = never. Must be in the future. */
  expires_at: z.iso.datetime({ offset: true }).optional(),
});
export type CreateApiKeyBody = z.infer<typeof createApiKeyBody>;

export const apiKey = z.object({
  id: z.string(),
  name: z.string(),
  /** The first characters of the key (`pk-ab12cd`), to tell keys apart; the key itself is never shown again. */
  prefix: z.string(),
  scopes: z.array(apiKeyScope),
  created_at: timestamp,
  expires_at: timestamp.nullable(),
  /** Updated at most once a minute. */
  last_used_at: timestamp.nullable(),
});
export type ApiKey = z.infer<typeof apiKey>;

/** The answer to a create: the key in full, this once. */
export const createdApiKey = apiKey.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof createdApiKey>;

export const apiKeyList = z.object({ api_keys: z.array(apiKey) });
export type ApiKeyList = z.infer<typeof apiKeyList>;
