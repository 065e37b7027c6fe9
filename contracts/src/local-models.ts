import { z } from 'zod';
import { hasSomeField, NOTHING_TO_CHANGE, nextCursor, timestamp } from './common.js';

export const endpointType = z.enum(['ollama', 'openai-compatible', 'custom']);
export type EndpointType = z.infer<typeof endpointType>;
export const healthStatus = z.enum(['healthy', 'unhealthy', 'unknown']);
export type HealthStatus = z.infer<typeof healthStatus>;

const fields = {
  name: z.string().trim().min(1).max(200),
  /** http/https; checked against the URL policy (server/src/lib/url-policy.ts) on save and on every connection. */
  base_url: z.string().trim().min(1).max(2048),
  /** Write-only: stored encrypted, answered as `api_key_preview`. */
  api_key: z.string().trim().min(1).max(4096),
  endpoint_type: endpointType,
  is_active: z.boolean(),
};

export const createLocalModelBody = z
  .object({
    name: fields.name,
    base_url: fields.base_url,
    api_key: fields.api_key.optional(),
    endpoint_type: fields.endpoint_type.default('ollama'),
    is_active: fields.is_active.default(true),
  })
  .strict();
export type CreateLocalModelBody = z.infer<typeof createLocalModelBody>;

/** Every field optional; `api_key: null` removes the key. */
export const updateLocalModelBody = z
  .object({
    name: fields.name,
    base_url: fields.base_url,
    api_key: fields.api_key.nullable(),
    endpoint_type: fields.endpoint_type,
    is_active: fields.is_active,
  })
  .partial()
  .strict()
  .refine(hasSomeField, NOTHING_TO_CHANGE);
export type UpdateLocalModelBody = z.infer<typeof updateLocalModelBody>;

export const localModel = z.object({
  id: z.uuid(),
  name: z.string(),
  base_url: z.string(),
  endpoint_type: endpointType,
  is_active: z.boolean(),
  has_api_key: z.boolean(),
  api_key_preview: z.string().nullable(),
  available_models: z.array(z.string()),
  last_model_discovery: timestamp.nullable(),
  health_status: healthStatus,
  last_health_check: timestamp.nullable(),
  response_time_ms: z.number().int().nullable(),
  error_message: z.string().nullable(),
  consecutive_failures: z.number().int(),
  /** The circuit breaker: chats and the catalogue treat the endpoint as unavailable until a check passes. */
  circuit_open: z.boolean(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type LocalModel = z.infer<typeof localModel>;

export const localModelList = z.object({ local_models: z.array(localModel), next_cursor: nextCursor });

export const localModelModels = z.object({
  available_models: z.array(z.string()),
  last_model_discovery: timestamp.nullable(),
  health_status: healthStatus,
  error_message: z.string().nullable(),
});

export const localModelHealth = z.object({
  status: healthStatus,
  response_time_ms: z.number().int().nullable(),
  error_message: z.string().nullable(),
  last_checked: timestamp.nullable(),
  available_models: z.array(z.string()),
  consecutive_failures: z.number().int(),
  circuit_open: z.boolean(),
});
export type LocalModelHealth = z.infer<typeof localModelHealth>;

export const localModelUsageQuery = z.object({
  days: z.coerce.number().int().min(1).max(365).default(30),
});

const usageFigures = {
  total_requests: z.number().int(),
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
  /** Failed requests / all requests, 0..1. */
  error_rate: z.number(),
  avg_latency_ms: z.number().nullable(),
};

export const localModelUsage = z.object({
  period_days: z.number().int(),
  ...usageFigures,
  p95_latency_ms: z.number().nullable(),
  last_used_at: timestamp.nullable(),
  by_model: z.array(z.object({ model: z.string(), ...usageFigures })),
  /** One row per UTC day that had requests, oldest first. */
  daily: z.array(z.object({ date: z.string(), ...usageFigures })),
});
export type LocalModelUsage = z.infer<typeof localModelUsage>;

/** One item of the old browser export (localStorage `local-openai-models`); checked item by item on import. */
export const legacyLocalModel = z.object({
  name: z.string().trim().min(1).max(200),
  baseUrl: z.string().trim().min(1).max(2048),
  apiKey: z.string().trim().max(4096).nullish(),
  isActive: z.boolean().optional(),
  availableModels: z.array(z.string().trim().min(1).max(300)).max(1000).optional(),
});

/** The export is a bare JSON array; items are validated one by one so a bad one does not sink the rest. */
export const importLocalModelsBody = z.array(z.unknown()).max(200);

export const importLocalModelsResult = z.object({
  created: z.array(localModel),
  refused: z.array(z.object({ index: z.number().int(), name: z.string().nullable(), reason: z.string() })),
});
export type ImportLocalModelsResult = z.infer<typeof importLocalModelsResult>;
