import {
  createLocalModelBody,
  idParams,
  importLocalModelsBody,
  importLocalModelsResult,
  localModel,
  localModelHealth,
  localModelList,
  localModelModels,
  localModelUsage,
  localModelUsageQuery,
  pageQuery,
  updateLocalModelBody,
} from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';
import { perMinuteLimit } from '../../plugins/rate-limit.js';

export async function localModelsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = ctx.services.localModels;
  const tags = ['local-models'];
  const uid = (req: Parameters<typeof principalOf>[0]) => principalOf(req).userId;
  // Each check is an outbound request to an address the user chose: a loop of them must not turn the
  // server into a request cannon (the scheduler's own checks are not counted).
  const checkLimit = perMinuteLimit(app, {
    max: ctx.config.rateLimits.healthCheckPerMin,
    key: (req) => `health-check:${uid(req)}`,
    what: 'health checks',
  });

  r.post(
    '/local-models',
    {
      schema: {
        tags,
        summary: 'Add your own Ollama / OpenAI-compatible server (discovers its models at once)',
        body: createLocalModelBody,
        response: { 201: localModel },
      },
    },
    async (req, reply) => reply.code(201).send(await svc.create(uid(req), req.body)),
  );

  r.get(
    '/local-models',
    {
      schema: {
        tags,
        summary: 'Your local endpoints',
        querystring: pageQuery,
        response: { 200: localModelList },
      },
    },
    async (req) => svc.list(uid(req), req.query),
  );

  r.post(
    '/local-models/import',
    {
      schema: {
        tags,
        summary: 'Import the old browser export (localStorage `local-openai-models`), item by item',
        body: importLocalModelsBody,
        response: { 200: importLocalModelsResult },
      },
    },
    async (req) => svc.importLegacy(uid(req), req.body),
  );

  r.get(
    '/local-models/:id',
    { schema: { tags, summary: 'One local endpoint', params: idParams, response: { 200: localModel } } },
    async (req) => svc.get(uid(req), req.params.id),
  );

  const update = {
    schema: {
      tags,
      summary: 'Change a local endpoint (a new address, type or key discovers its models again)',
      params: idParams,
      body: updateLocalModelBody,
      response: { 200: localModel },
    },
  };
  r.patch('/local-models/:id', update, async (req) => svc.update(uid(req), req.params.id, req.body));
  // The old app's clients used PUT with the same partial body.
  r.put('/local-models/:id', update, async (req) => svc.update(uid(req), req.params.id, req.body));

  r.delete(
    '/local-models/:id',
    { schema: { tags, summary: 'Remove a local endpoint', params: idParams, response: { 204: z.null() } } },
    async (req, reply) => {
      await svc.remove(uid(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/local-models/:id/models',
    { schema: { tags, summary: 'Stored model list', params: idParams, response: { 200: localModelModels } } },
    async (req) => svc.models(uid(req), req.params.id),
  );

  r.post(
    '/local-models/:id/models',
    {
      schema: {
        tags,
        summary: 'Discover the models again',
        params: idParams,
        response: { 200: localModelModels },
      },
    },
    async (req) => svc.discover(uid(req), req.params.id),
  );

  r.get(
    '/local-models/:id/health',
    { schema: { tags, summary: 'Last health check', params: idParams, response: { 200: localModelHealth } } },
    async (req) => svc.health(uid(req), req.params.id),
  );

  r.post(
    '/local-models/:id/health',
    {
      preHandler: checkLimit,
      schema: { tags, summary: 'Check health now', params: idParams, response: { 200: localModelHealth } },
    },
    async (req) => svc.checkNow(uid(req), req.params.id),
  );

  r.get(
    '/local-models/:id/usage',
    {
      schema: {
        tags,
        summary: 'Usage from the request log: totals, per model, per day',
        params: idParams,
        querystring: localModelUsageQuery,
        response: { 200: localModelUsage },
      },
    },
    async (req) => svc.usage(uid(req), req.params.id, req.query.days),
  );
}
