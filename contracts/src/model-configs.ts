import { z } from 'zod';
import { hasSomeField, NOTHING_TO_CHANGE, nextCursor, timestamp } from './common.js';

/** Sampling settings within the ranges providers accept; defaults are applied on create. */
const settings = {
  name: z.string().trim().min(1).max(200),
  /** A catalogue provider, `local` together with `local_model_id`, or `gguf` (a file in MODELS_DIR). */
  provider: z.string().trim().min(1).max(64),
  model: z.string().trim().min(1).max(300),
  base_url: z.string().trim().min(1).max(2048),
  /** Write-only: stored encrypted, answered as `has_api_key` + `api_key_preview`. */
  api_key: z.string().trim().min(1).max(4096),
  local_model_id: z.uuid(),
  system_prompt: z.string().max(100_000),
  temperature: z.number().min(0).max(2),
  max_tokens: z.number().int().min(1).max(1_000_000),
  top_p: z.number().min(0).max(1),
  frequency_penalty: z.number().min(-2).max(2),
  presence_penalty: z.number().min(-2).max(2),
  is_default: z.boolean(),
};

export const createModelConfigBody = z
  .object({
    name: settings.name,
    provider: settings.provider,
    model: settings.model,
    base_url: settings.base_url.optional(),
    api_key: settings.api_key.optional(),
    local_model_id: settings.local_model_id.optional(),
    system_prompt: settings.system_prompt.optional(),
    temperature: settings.temperature.default(0.7),
    max_tokens: settings.max_tokens.default(2048),
    top_p: settings.top_p.default(1),
    frequency_penalty: settings.frequency_penalty.default(0),
    presence_penalty: settings.presence_penalty.default(0),
    is_default: settings.is_default.default(false),
  })
  .strict();
export type CreateModelConfigBody = z.infer<typeof createModelConfigBody>;

/** Every field optional; `null` clears base_url, api_key, local_model_id and system_prompt. */
export const updateModelConfigBody = z
  .object({
    name: settings.name,
    provider: settings.provider,
    model: settings.model,
    base_url: settings.base_url.nullable(),
    api_key: settings.api_key.nullable(),
    local_model_id: settings.local_model_id.nullable(),
    system_prompt: settings.system_prompt.nullable(),
    temperature: settings.temperature,
    max_tokens: settings.max_tokens,
    top_p: settings.top_p,
    frequency_penalty: settings.frequency_penalty,
    presence_penalty: settings.presence_penalty,
    is_default: settings.is_default,
  })
  .partial()
  .strict()
  .refine(hasSomeField, NOTHING_TO_CHANGE);
export type UpdateModelConfigBody = z.infer<typeof updateModelConfigBody>;

/** A stored configuration's settings and times, as answered (and as exported, in accounts.ts). */
export const storedModelConfigFields = {
  system_prompt: z.string().nullable(),
  temperature: z.number(),
  max_tokens: z.number().int(),
  top_p: z.number(),
  frequency_penalty: z.number(),
  presence_penalty: z.number(),
  is_default: z.boolean(),
  created_at: timestamp,
  updated_at: timestamp,
};

export const modelConfig = z.object({
  id: z.uuid(),
  name: z.string(),
  provider: z.string(),
  model: z.string(),
  base_url: z.string().nullable(),
  local_model_id: z.uuid().nullable(),
  has_api_key: z.boolean(),
  api_key_preview: z.string().nullable(),
  ...storedModelConfigFields,
});
export type ModelConfigDto = z.infer<typeof modelConfig>;

export const modelConfigList = z.object({ model_configs: z.array(modelConfig), next_cursor: nextCursor });
