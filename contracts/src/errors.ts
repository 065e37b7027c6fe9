import { z } from 'zod';

/** Every error code the API can answer with, and its HTTP status. The one table; add codes here. */
export const ERROR_STATUS = {
  validation_error: 400,
  invite_required: 400,
  invite_invalid: 400,
  no_model_configured: 400,
  url_not_allowed: 400,
  provider_not_configured: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  invalid_refresh_token: 401,
  forbidden: 403,
  account_disabled: 403,
  not_found: 404,
  conflict: 409,
  email_taken: 409,
  username_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  provider_error: 502,
  not_ready: 503,
  endpoint_unavailable: 503,
  provider_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    request_id: z.string(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
