import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../errors.js';

/**
 * A per-minute limit keyed by `key` (IP, email, user…), answering SPEC §2's 429 with Retry-After. Counters
 * live in Redis when it is configured, so the limit holds across instances.
 */
export function perMinuteLimit(
  app: FastifyInstance,
  opts: { max: number; key: (req: FastifyRequest) => string; what?: string },
): preHandlerAsyncHookHandler {
  return app.rateLimit({
    max: opts.max,
    timeWindow: 60_000,
    keyGenerator: opts.key,
    errorResponseBuilder: (_req, c) => {
      const seconds = Math.ceil(c.ttl / 1000);
      return new AppError('rate_limited', `Too many ${opts.what ?? 'requests'}; try again in ${seconds} s`, {
        headers: { 'retry-after': String(seconds) },
      });
    },
  });
}
