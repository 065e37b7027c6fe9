import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../errors.js';

const WINDOW_MS = 60_000;

export interface Limit {
  max: number;
  /** The counter's name, e.g. `auth-ip:1.2.3.4`; it is also the Redis key after `ratelimit:`. */
  key: (req: FastifyRequest) => string;
}

/**
 * Per-minute limits for one route, answering 429 `rate_limited` with Retry-After. Every limit is counted on
 * every request (per IP and per email both move), and the request is refused when any is over. The
 * `x-ratelimit-*` headers describe the tightest one.
 */
export function perMinuteLimits(
  app: FastifyInstance,
  opts: { limits: Limit[]; what?: string },
): preHandlerAsyncHookHandler {
  return async (req, reply) => checkLimits(app, req, reply, opts);
}

/**
 * Like `perMinuteLimits`, but the check runs alongside the handler's first work instead of before it: the
 * hook starts it and leaves its promise in `req.admission`, which the handler must await before it changes
 * anything (a send awaits it with its first read, before storing the turn). Refused: `req.admission` rejects
 * with the same 429.
 */
export function overlappedLimits(
  app: FastifyInstance,
  opts: { limits: Limit[]; what?: string },
): preHandlerAsyncHookHandler {
  return async (req, reply) => {
    const admission = checkLimits(app, req, reply, opts);
    // Handled here so a handler that fails first (a 400) leaves no unhandled rejection; awaiting it still throws.
    admission.catch(() => {});
    req.admission = admission;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The pending rate-limit check of a route limited by `overlappedLimits`. */
    admission?: Promise<void>;
  }
}

async function checkLimits(
  app: FastifyInstance,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: { limits: Limit[]; what?: string },
): Promise<void> {
  const limiter = app.ctx.rateLimiter;
  const hits = await Promise.all(
    opts.limits.map(async (l) => ({ max: l.max, ...(await limiter.hit(l.key(req), WINDOW_MS)) })),
  );
  if (hits.length === 0) return;
  const remaining = (h: (typeof hits)[number]) => Math.max(0, h.max - h.count);
  const tightest = hits.reduce((a, b) => (remaining(b) < remaining(a) ? b : a));
  const seconds = (h: (typeof hits)[number]) => Math.max(1, Math.ceil(h.resetInMs / 1000));
  reply.header('x-ratelimit-limit', String(tightest.max));
  reply.header('x-ratelimit-remaining', String(remaining(tightest)));
  reply.header('x-ratelimit-reset', String(seconds(tightest)));
  const over = hits.filter((h) => h.count > h.max);
  if (over.length === 0) return;
  // Refused until every exceeded window has ended, so Retry-After is the longest of them.
  const wait = Math.max(...over.map(seconds));
  throw new AppError('rate_limited', `Too many ${opts.what ?? 'requests'}; try again in ${wait} s`, {
    headers: { 'retry-after': String(wait) },
  });
}

/** One per-minute limit keyed by `key` (IP, email, user…). */
export function perMinuteLimit(
  app: FastifyInstance,
  opts: { max: number; key: (req: FastifyRequest) => string; what?: string },
): preHandlerAsyncHookHandler {
  return perMinuteLimits(app, { limits: [{ max: opts.max, key: opts.key }], what: opts.what });
}
