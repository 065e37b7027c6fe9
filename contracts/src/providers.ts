import { z } from 'zod';
import { hasSomeField, NOTHING_TO_CHANGE, timestamp } from './common.js';

/** What a provider can do. */
export const providerKind = z.enum(['chat', 'image', 'embedding']);

/** Free-form provider settings (organisation id, anthropic-version…); never holds a key. */
export const providerMetadata = z.record(z.string(), z.unknown());

/** A base URL as the user typed it; the server normalises it (Groq bare domain) and allows http/https only. */
const baseUrlInput = z.string().trim().min(1).max(2048);
const apiKeyInput = z.string().trim().min(1).max(4096);

/** One supported provider merged with the caller's stored credential. The key itself never appears. */
export const providerStatus = z.object({
  provider: z.string(),
  display_name: z.string(),
  kinds: z.array(providerKind),
  default_base_url: z.string().nullable(),
  needs_api_key: z.boolean(),
  configured: z.boolean(),
  is_active: z.boolean(),
  base_url: z.string().nullable(),
  api_key_preview: z.string().nullable(),
  metadata: providerMetadata,
  updated_at: timestamp.nullable(),
});
export type ProviderStatus = z.infer<typeof providerStatus>;

export const providerList = z.object({ providers: z.array(providerStatus) });

export const providerParams = z.object({ provider: z.string().min(1).max(64) });

/**
 * `POST /providers/activate`. Clients that post text may send this object encoded as a JSON string
 * (text/plain, or a JSON string literal); the route decodes it before validation.
 */
export const activateProviderBody = z
  .object({
    provider: z.string().trim().min(1).max(64),
    api_key: apiKeyInput.optional(),
    base_url: baseUrlInput.optional(),
    metadata: providerMetadata.optional(),
  })
  .strict();
export type ActivateProviderBody = z.infer<typeof activateProviderBody>;

/** `POST /providers/test`: try a key (or the saved one) before saving it; nothing is stored. */
export const testProviderBody = z
  .object({
    provider: z.string().trim().min(1).max(64),
    api_key: apiKeyInput.optional(),
    base_url: baseUrlInput.optional(),
  })
  .strict();
export type TestProviderBody = z.infer<typeof testProviderBody>;
/** `ok` with the models the provider lists, or the provider's error (its message, never the key). */
export const testProviderResult = z.object({
  ok: z.boolean(),
  models: z.array(z.string()),
  latency_ms: z.number().int(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

/** `PATCH /providers/{provider}`: `api_key: null` removes the key of a provider that does not need one. */
export const updateProviderBody = z
  .object({
    api_key: apiKeyInput.nullable(),
    base_url: baseUrlInput.nullable(),
    metadata: providerMetadata,
    is_active: z.boolean(),
  })
  .partial()
  .strict()
  .refine(hasSomeField, NOTHING_TO_CHANGE);
export type UpdateProviderBody = z.infer<typeof updateProviderBody>;

/**
 * The two provider ids that are not cloud providers. `local`: a model on one of the user's own endpoints
 * (always with `local_model_id`). `gguf`: a GGUF file in the server's MODELS_DIR, run in process.
 * A send or model configuration with `local` and no `local_model_id` still means `gguf` (the id both had before).
 */
export const LOCAL_ENDPOINT_PROVIDER = 'local';
export const GGUF_PROVIDER = 'gguf';

/** `local` without an endpoint: what `gguf` was called before the two got distinct ids. */
export const isGgufProvider = (provider: string | undefined, localModelId?: string | null): boolean =>
  provider === GGUF_PROVIDER || (provider === LOCAL_ENDPOINT_PROVIDER && !localModelId);

/** One model in the catalogue. `provider` is a catalogue name, `local` (a user's endpoint) or `gguf`. */
export const catalogModel = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.string(),
  kind: providerKind,
  context_length: z.number().int().optional(),
  owned_by: z.string().optional(),
  /** What a chat model takes besides text: `vision` (pictures). From provider metadata, else a maintained list. */
  capabilities: z.array(z.string()).optional(),
  /** Models of a user's own endpoint (provider `local`): which endpoint, and its last known health. */
  local_model_id: z.string().optional(),
  health_status: z.enum(['healthy', 'unhealthy', 'unknown']).optional(),
  /** True while the endpoint's circuit breaker is open: a chat with it fails fast (or fails over). */
  unavailable: z.boolean().optional(),
});
export type CatalogModel = z.infer<typeof catalogModel>;

export const catalogError = z.object({ provider: z.string(), message: z.string() });
export type CatalogError = z.infer<typeof catalogError>;

export const modelsResponse = z.object({
  models: z.array(catalogModel),
  /** What the user should do next (add a key, fix a failing provider), or a summary. */
  message: z.string(),
  configured_providers: z.array(z.string()),
  missing_providers: z.array(z.string()),
  errors: z.array(catalogError),
});
export type ModelsResponse = z.infer<typeof modelsResponse>;

export const modelsQuery = z.object({
  refresh: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
});
