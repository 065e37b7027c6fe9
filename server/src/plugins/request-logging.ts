import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

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

/** One structured line per request, with the request id echoed in the response. */
export function registerRequestLogging(app: FastifyInstance) {
  app.decorateRequest('logFields', undefined);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === '/healthz' || route === '/readyz') return;
    request.log.info(
      {
        user_id: request.principal?.userId,
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
