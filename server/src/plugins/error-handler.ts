import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../errors.js';
import { OPENAI_PREFIX, openaiErrorBody } from '../features/openai/openai-errors.js';

interface ErrorPayload {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Names the failing field the way a user would: "body.temperature" → "temperature". */
function fieldOf(context: string | undefined, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (path) return path;
  return context === 'body' ? 'body' : (context ?? 'request');
}

function toPayload(err: FastifyError | AppError | Error): ErrorPayload {
  if (err instanceof AppError) {
    return { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const context = (err as FastifyError).validationContext;
    const issues = err.validation.map((v) => ({
      field: fieldOf(context, v.instancePath),
      message: v.message,
    }));
    const first = issues[0];
    const message = first ? `${first.field}: ${first.message}` : 'invalid request';
    return { code: 'validation_error', message, details: { field: first?.field, location: context, issues } };
  }
  const fastifyErr = err as FastifyError;
  const status = fastifyErr.statusCode ?? 500;
  if (status === 413) return { code: 'payload_too_large', message: 'Request body is too large' };
  if (status === 415) return { code: 'unsupported_media_type', message: 'Unsupported content type' };
  if (status === 429) return { code: 'rate_limited', message: 'Too many requests; try again later' };
  if (status === 404) return { code: 'not_found', message: 'Not found' };
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (malformed JSON, empty body with a JSON content type…).
    return { code: 'validation_error', message: fastifyErr.message };
  }
  return { code: 'internal_error', message: 'Something went wrong on our side' };
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: ErrorPayload,
  status: number,
) {
  // The OpenAI-compatible API answers in OpenAI's error shape, so the SDKs read it.
  if (request.url.startsWith(OPENAI_PREFIX))
    return reply.code(status).send(openaiErrorBody(payload.code, status, payload.message, payload.details));
  return reply.code(status).send({ error: { ...payload, request_id: String(request.id) } });
}

/**
 * Errors Fastify raises before routing (`frameworkErrors` option): a path that is not valid percent-encoded
 * UTF-8 (`%C0%AF`), or a path parameter longer than the router's limit. No hook has run yet, so the request
 * id header is set here; the path itself is not echoed (it may be kilobytes long).
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  const message =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'params: a path parameter is too long'
      : err.code === 'FST_ERR_BAD_URL'
        ? 'params: the URL path is not valid percent-encoded UTF-8'
        : undefined;
  if (!message) {
    // Only async route constraints remain (none are used): a fault of ours.
    request.log.error({ err }, 'request failed before routing');
    return sendError(
      request,
      reply,
      { code: 'internal_error', message: 'Something went wrong on our side' },
      500,
    );
  }
  return sendError(request, reply, { code: 'validation_error', message, details: { field: 'params' } }, 400);
}

/** The one mapping from thrown errors to the one error body (`errorBodySchema` in contracts/src/errors.ts). 5xx bodies never carry internals. */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    const payload = toPayload(err);
    let status = err instanceof AppError ? err.status : (err as FastifyError).statusCode;
    if (payload.code === 'validation_error') status = 400;
    if (!status || status < 400 || isResponseSerializationError(err)) status = 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    if (err instanceof AppError && err.headers) reply.headers(err.headers);
    if (payload.code === 'rate_limited' && !reply.getHeader('retry-after')) reply.header('retry-after', '60');
    return sendError(request, reply, payload, status);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` },
      404,
    ),
  );
}
