import { metricsReport, usageQuery, usageReport } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';

/** /v1/metrics (admin) and /v1/usage (the caller's own). */
export async function telemetryRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { telemetry } = ctx.services;
  const tags = ['telemetry'];

  r.get(
    '/metrics',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'Request, cache, latency and error totals (admin)',
        response: { 200: metricsReport },
      },
    },
    async () => telemetry.metrics(ctx.state.startedAt),
  );

  r.get(
    '/usage',
    {
      schema: {
        tags,
        summary: 'Your requests and tokens per model per day',
        querystring: usageQuery,
        response: { 200: usageReport },
      },
    },
    async (req) => telemetry.usage(principalOf(req).userId, req.query.days),
  );
}
