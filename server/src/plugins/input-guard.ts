import type { FastifyInstance } from 'fastify';
import { invalidField } from '../errors.js';
import { findUnstorable } from '../lib/text.js';

/**
 * Refuses request input PostgreSQL could not store (NUL, lone surrogates; see lib/text.ts) with a 400 naming
 * the field, for every route at once: body fields by their path (`content`, `params.temperature`), query and
 * path parameters as `query.q` / `params.id`. Runs after parsing and before the route's schema.
 */
export function registerInputGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const hit =
      findUnstorable(request.params, 'params') ??
      findUnstorable(request.query, 'query') ??
      findUnstorable(request.body, '');
    if (hit) throw invalidField(hit.field, hit.reason);
  });
}

/** The same rule for input decoded after the hook (multipart names and fields, string-encoded bodies). */
export function assertStorable(value: unknown, field: string) {
  const hit = findUnstorable(value, field);
  if (hit) throw invalidField(hit.field, hit.reason);
}
