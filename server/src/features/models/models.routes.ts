import { modelsQuery, modelsResponse, providerParams } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';

export async function modelsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { models } = ctx.services;
  const tags = ['models'];

  r.get(
    '/models',
    {
      schema: {
        tags,
        summary: "Every model the caller's providers offer (cached; ?refresh=true asks again)",
        querystring: modelsQuery,
        response: { 200: modelsResponse },
      },
    },
    async (req) => models.list(principalOf(req).userId, { refresh: req.query.refresh }),
  );

  r.get(
    '/providers/:provider/models',
    {
      schema: {
        tags,
        summary: 'The models of one provider (cached; ?refresh=true asks again)',
        params: providerParams,
        querystring: modelsQuery,
        response: { 200: modelsResponse },
      },
    },
    async (req) =>
      models.listProvider(principalOf(req).userId, req.params.provider, { refresh: req.query.refresh }),
  );
}
