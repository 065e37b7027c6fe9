import {
  authSetup,
  authTokens,
  loginBody,
  refreshBody,
  registerBody,
  userProfile,
} from '@pocketllm/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { addressKey } from '../../lib/rate-limiter.js';
import { principalOf } from '../../plugins/auth.js';
import { perMinuteLimit, perMinuteLimits } from '../../plugins/rate-limit.js';
import type { ClientInfo } from './auth.service.js';

const clientOf = (req: FastifyRequest): ClientInfo => ({
  userAgent: req.headers['user-agent'] ?? null,
  ip: req.ip,
});

export async function authRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { auth, users } = ctx.services;
  const max = ctx.config.rateLimits.authPerMin;
  // The body is validated (and the email lower-cased) before preHandlers run.
  const emailOf = (req: FastifyRequest) => {
    const body = req.body;
    return body && typeof body === 'object' && 'email' in body ? String(body.email) : '';
  };
  // Per IP and per email, both counted on every attempt: a botnet guessing one account and one host
  // guessing many are both slowed.
  const authLimits = perMinuteLimits(app, {
    what: 'attempts',
    limits: [
      { max, key: (req) => `auth-ip:${addressKey(req.ip)}` },
      { max, key: (req) => `auth-email:${emailOf(req)}` },
    ],
  });
  const tags = ['auth'];

  r.get(
    '/auth/setup',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Whether the server still needs its first (admin) account; no token needed',
        response: { 200: authSetup },
      },
    },
    async (_req, reply) => {
      // Changes once, when the first account is made: never kept by a browser or a proxy.
      reply.header('cache-control', 'no-store');
      return { needs_admin: await auth.needsAdmin() };
    },
  );

  r.post(
    '/auth/register',
    {
      config: { public: true },
      preHandler: authLimits,
      schema: { tags, summary: 'Create an account', body: registerBody, response: { 201: authTokens } },
    },
    async (req, reply) => reply.code(201).send(await auth.register(req.body, clientOf(req))),
  );

  r.post(
    '/auth/login',
    {
      config: { public: true },
      preHandler: authLimits,
      schema: { tags, summary: 'Sign in', body: loginBody, response: { 200: authTokens } },
    },
    async (req) => auth.login(req.body, clientOf(req)),
  );

  r.post(
    '/auth/refresh',
    {
      config: { public: true },
      preHandler: perMinuteLimit(app, {
        max,
        key: (req) => `auth-refresh:${addressKey(req.ip)}`,
        what: 'attempts',
      }),
      schema: { tags, summary: 'Rotate a refresh token', body: refreshBody, response: { 200: authTokens } },
    },
    async (req) => auth.refresh(req.body.refresh_token),
  );

  r.post(
    '/auth/logout',
    { schema: { tags, summary: 'End this login session at once', response: { 204: z.null() } } },
    async (req, reply) => {
      const { sessionId } = principalOf(req);
      if (sessionId) await auth.revokeSession(sessionId);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/auth/me',
    { schema: { tags, summary: "The caller's full profile", response: { 200: userProfile } } },
    async (req) => users.getMe(principalOf(req).userId),
  );
}
