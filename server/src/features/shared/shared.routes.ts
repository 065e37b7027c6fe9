import { sharedChat, sharedTokenParams } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { addressKey } from '../../lib/rate-limiter.js';
import { perMinuteLimit } from '../../plugins/rate-limit.js';

/** `/shared/{token}`: a shared chat for anyone holding its link, signed in or not. */
export async function sharedRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { shares } = ctx.services;
  // Public: per-IP limiting keeps tokens from being tried in bulk.
  const perIp = perMinuteLimit(app, {
    max: ctx.config.rateLimits.sharedPerMin,
    key: (req) => `shared-ip:${addressKey(req.ip)}`,
  });

  r.get(
    '/shared/:token',
    {
      config: { public: true },
      preHandler: perIp,
      schema: {
        tags: ['chats'],
        summary: 'A shared chat (no sign-in): title, messages and the models used',
        params: sharedTokenParams,
        response: { 200: sharedChat },
      },
    },
    async (req, reply) => {
      const chat = await shares.shared(req.params.token);
      // A revoked link must stop working at once, and a link is nobody's search result.
      return reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex').send(chat);
    },
  );
}
