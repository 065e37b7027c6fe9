import { ERROR_STATUS, type ErrorCode } from '@pocketllm/contracts';

export type { ErrorCode };

const DEFAULT_MESSAGES: Partial<Record<ErrorCode, string>> = {
  unauthorized: 'Authentication required',
  forbidden: 'You are not allowed to do this',
  not_found: 'Not found',
  internal_error: 'Something went wrong on our side',
  not_ready: 'The service is not ready',
  rate_limited: 'Too many requests',
};

/** The one error type services throw; the error handler maps `code` to a status through ERROR_STATUS. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    opts: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message ?? DEFAULT_MESSAGES[code] ?? code.replaceAll('_', ' '), { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = opts.details;
    this.headers = opts.headers;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what = 'Resource') => new AppError('not_found', `${what} not found`);

/** A 400 that names the field, like a schema failure does. */
export const invalidField = (field: string, message: string) =>
  new AppError('validation_error', `${field}: ${message}`, { details: { field } });
