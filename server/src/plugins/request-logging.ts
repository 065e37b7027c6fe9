import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type LogContext, logContext } from '../lib/log-context.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a caller's x-request-id when it is sane, else makes one. */
export function genRequestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Extra fields for this request's one log line (chat: provider, model, cache_hit, tokens). */
    logFields: Record<string, unknown> | undefined;
  }
}

export function addLogFields(request: FastifyRequest, fields: Record<string, unknown>) {
  request.logFields = { ...request.logFields, ...fields };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The chat a request is about, when its route names one (`/v1/chats/:id…`, or a `chat_id` anywhere). */
function chatIdOf(request: FastifyRequest): string | undefined {
  const pick = (source: unknown, key: string) => {
    if (typeof source !== 'object' || source === null || !(key in source)) return undefined;
    const v: unknown = Reflect.get(source, key);
    return typeof v === 'string' && UUID.test(v) ? v : undefined;
  };
  const route = request.routeOptions.url ?? '';
  return (
    (route.startsWith('/v1/chats/:id') ? pick(request.params, 'id') : undefined) ??
    pick(request.params, 'chat_id') ??
    pick(request.query, 'chat_id') ??
    pick(request.body, 'chat_id')
  );
}

/**
 * One structured line per request, with the request id echoed in the response. Every line written while a
 * request is handled carries its request_id, and user_id / chat_id once known (pino mixin + log context).
 */
export function registerRequestLogging(app: FastifyInstance) {
  app.decorateRequest('logFields', undefined);
  // Callback style on purpose: the rest of the request's lifecycle runs inside `run`, so it sees the store.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const store: LogContext = { request_id: String(request.id) };
    logContext.run(store, done);
  });
  app.addHook('preHandler', async (request) => {
    const store = logContext.getStore();
    if (!store) return;
    if (request.principal) store.user_id = request.principal.userId;
    const chatId = chatIdOf(request);
    if (chatId) store.chat_id = chatId;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === '/healthz' || route === '/readyz') return;
    request.log.info(
      {
        // Explicit: onResponse runs from the socket's finish event, outside the request's log context
        // (request_id is bound by the request's own logger).
        user_id: request.principal?.userId,
        chat_id: chatIdOf(request),
        method: request.method,
        route: route ?? request.url.split('?')[0],
        status: reply.statusCode,
        latency_ms: Math.round(reply.elapsedTime * 100) / 100,
        ...request.logFields,
      },
      'request',
    );
  });
}
