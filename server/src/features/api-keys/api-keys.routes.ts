import { apiKeyList, createApiKeyBody, createdApiKey, idParams } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';

/** /v1/api-keys: the caller's personal keys for the OpenAI-compatible API (/openai/v1). */
export async function apiKeysRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { apiKeys } = ctx.services;
  const tags = ['api-keys'];

  r.post(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'Create a personal API key (the key is shown in this answer only)',
        body: createApiKeyBody,
        response: { 201: createdApiKey },
      },
    },
    async (req, reply) => reply.code(201).send(await apiKeys.create(principalOf(req).userId, req.body)),
  );

  r.get(
    '/api-keys',
    { schema: { tags, summary: 'Your personal API keys', response: { 200: apiKeyList } } },
    async (req) => ({ api_keys: await apiKeys.list(principalOf(req).userId) }),
  );

  r.delete(
    '/api-keys/:id',
    {
      schema: {
        tags,
        summary: 'Revoke a key (refused at once on every instance)',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await apiKeys.revoke(principalOf(req).userId, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
