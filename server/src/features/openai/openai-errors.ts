import { AppError, type ErrorCode } from '../../errors.js';
import { ProviderError } from '../../llm/types.js';

/** The prefix whose errors are written in OpenAI's shape (the one error handler asks). */
export const OPENAI_PREFIX = '/openai/';

export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

const TYPES: Partial<Record<ErrorCode, string>> = {
  unauthorized: 'invalid_request_error',
  forbidden: 'permission_error',
  account_disabled: 'permission_error',
  not_found: 'invalid_request_error',
  rate_limited: 'requests',
};

/**
 * Our error (code, message, details) as OpenAI writes one, so the SDKs' error classes, retries and
 * messages work: 4xx are `invalid_request_error` unless said otherwise, 5xx `server_error`.
 */
export function openaiErrorBody(
  code: ErrorCode,
  status: number,
  message: string,
  details: Record<string, unknown> | undefined,
): OpenAIErrorBody {
  const reason = typeof details?.reason === 'string' ? details.reason : undefined;
  const field = typeof details?.field === 'string' ? details.field : null;
  const type = status >= 500 ? 'server_error' : (TYPES[code] ?? 'invalid_request_error');
  const openaiCode =
    reason ??
    (code === 'unauthorized'
      ? 'invalid_api_key'
      : code === 'rate_limited'
        ? 'rate_limit_exceeded'
        : code === 'validation_error'
          ? 'invalid_value'
          : code);
  return { error: { message, type, code: openaiCode, param: field } };
}

/** A provider failure as the API reports it: 429 stays 429 (SDKs retry), timeouts 504, the rest 502. */
export function providerFailure(err: unknown): unknown {
  if (!(err instanceof ProviderError)) return err;
  const details = {
    reason: err.kind,
    ...(err.status ? { upstream_status: err.status } : {}),
    ...(err.field ? { field: err.field } : {}),
  };
  if (err.kind === 'bad_request') return new AppError('validation_error', err.message, { details });
  if (err.kind === 'rate_limited') return new AppError('rate_limited', err.message, { details });
  if (err.kind === 'timeout') return new AppError('provider_timeout', err.message, { details });
  return new AppError('provider_error', err.message, { details });
}
