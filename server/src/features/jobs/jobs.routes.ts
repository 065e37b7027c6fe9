import { idParams, job, jobList, jobListQuery, jobWaitQuery } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';

export async function jobsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { jobs } = ctx.services;
  const tags = ['jobs'];

  r.get(
    '/jobs',
    {
      schema: {
        tags,
        summary: "The caller's background jobs, newest first",
        querystring: jobListQuery,
        response: { 200: jobList },
      },
    },
    async (req) => jobs.list(principalOf(req).userId, req.query),
  );

  r.get(
    '/jobs/:id',
    {
      schema: {
        tags,
        summary: 'One job; `?wait=N` long-polls up to N s for a status change',
        params: idParams,
        querystring: jobWaitQuery,
        response: { 200: job },
      },
    },
    async (req, reply) => {
      // Stop waiting when the client goes away (the response closes before it is sent).
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      return jobs.get(principalOf(req).userId, req.params.id, req.query.wait, gone.signal);
    },
  );

  r.delete(
    '/jobs/:id',
    {
      schema: {
        tags,
        summary: 'Cancel a pending job (409 once it runs)',
        params: idParams,
        response: { 200: job },
      },
    },
    async (req) => jobs.cancel(principalOf(req).userId, req.params.id),
  );
}
