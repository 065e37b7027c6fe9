import { waitlistBody, waitlistEntry } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { addressKey } from '../../lib/rate-limiter.js';
import { perMinuteLimit } from '../../plugins/rate-limit.js';

export async function waitlistRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { waitlist } = ctx.services;
  // Public and unauthenticated: per-IP limiting is what keeps it from being a free write endpoint.
  const perIp = perMinuteLimit(app, {
    max: ctx.config.rateLimits.waitlistPerMin,
    key: (req) => `waitlist-ip:${addressKey(req.ip)}`,
  });

  r.post(
    '/waitlist',
    {
      config: { public: true },
      preHandler: [perIp],
      schema: {
        tags: ['waitlist'],
        summary: 'Join the waitlist (201 when added, 200 when the email is already listed)',
        body: waitlistBody,
        response: { 200: waitlistEntry, 201: waitlistEntry },
      },
    },
    async (req, reply) => {
      const { entry, created } = await waitlist.join(req.body);
      return reply.code(created ? 201 : 200).send(entry);
    },
  );
}
