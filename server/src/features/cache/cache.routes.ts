import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { principalOf } from '../../plugins/auth.js';

const cacheStats = z.object({
  hits: z.number().int(),
  misses: z.number().int(),
  hit_rate: z.number(),
  entries: z.number().int(),
  semantic_hits: z.number().int(),
});

export async function cacheRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { answerCache } = ctx.services;
  const tags = ['cache'];

  r.get(
    '/cache/stats',
    {
      schema: {
        tags,
        summary: "The caller's answer-cache hits, misses and entries",
        response: { 200: cacheStats },
      },
    },
    async (req) => answerCache.stats(principalOf(req).userId),
  );

  r.delete(
    '/cache',
    {
      schema: {
        tags,
        summary: "Clear the caller's cached answers (admins: ?all=true clears every user's)",
        querystring: z.object({ all: z.enum(['true', 'false']).optional() }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      if (req.query.all === 'true' && p.role !== 'admin')
        throw new AppError('forbidden', 'Only admins can clear every cache entry');
      await answerCache.clear(req.query.all === 'true' ? null : p.userId);
      return reply.code(204).send(null);
    },
  );
}
