import {
  createModelConfigBody,
  idParams,
  modelConfig,
  modelConfigList,
  pageQuery,
  updateModelConfigBody,
} from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';

export async function modelConfigsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { modelConfigs } = ctx.services;
  const tags = ['model-configs'];

  r.post(
    '/model-configs',
    {
      schema: {
        tags,
        summary: 'Save a model configuration',
        body: createModelConfigBody,
        response: { 201: modelConfig },
      },
    },
    async (req, reply) => reply.code(201).send(await modelConfigs.create(principalOf(req).userId, req.body)),
  );

  r.get(
    '/model-configs',
    {
      schema: {
        tags,
        summary: "The caller's model configurations",
        querystring: pageQuery,
        response: { 200: modelConfigList },
      },
    },
    async (req) => modelConfigs.list(principalOf(req).userId, req.query),
  );

  r.get(
    '/model-configs/:id',
    {
      schema: { tags, summary: 'One model configuration', params: idParams, response: { 200: modelConfig } },
    },
    async (req) => modelConfigs.get(principalOf(req).userId, req.params.id),
  );

  r.patch(
    '/model-configs/:id',
    {
      schema: {
        tags,
        summary: 'Change a model configuration',
        params: idParams,
        body: updateModelConfigBody,
        response: { 200: modelConfig },
      },
    },
    async (req) => modelConfigs.update(principalOf(req).userId, req.params.id, req.body),
  );

  r.delete(
    '/model-configs/:id',
    {
      schema: {
        tags,
        summary: 'Delete a model configuration',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await modelConfigs.remove(principalOf(req).userId, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
