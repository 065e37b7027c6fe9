import {
  activateProviderBody,
  providerList,
  providerParams,
  providerStatus,
  testProviderBody,
  testProviderResult,
  updateProviderBody,
} from '@pocketllm/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { invalidField } from '../../errors.js';
import { principalOf } from '../../plugins/auth.js';
import { assertStorable } from '../../plugins/input-guard.js';
import { perMinuteLimit } from '../../plugins/rate-limit.js';

/**
 * Clients that post text send the activate object encoded as a JSON string (text/plain, or a JSON string
 * literal with application/json). Decode it before validation so field errors still name the field.
 */
async function decodeStringBody(req: FastifyRequest) {
  if (typeof req.body !== 'string') return;
  let decoded: unknown;
  try {
    decoded = JSON.parse(req.body);
  } catch {
    throw invalidField('body', 'must be a JSON object, or a JSON string that encodes one');
  }
  if (!decoded || typeof decoded !== 'object' || Array.isArray(decoded)) {
    throw invalidField('body', 'must be a JSON object, or a JSON string that encodes one');
  }
  // The app-wide guard saw only the outer string; escapes like "\\u0000" become NUL here.
  assertStorable(decoded, '');
  req.body = decoded;
}

export async function providersRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { providers, models } = ctx.services;
  // A connection test calls out each time, like an endpoint's "Check now": the same per-user budget keeps a
  // loop from using the server as a request cannon.
  const testLimit = perMinuteLimit(app, {
    max: ctx.config.rateLimits.healthCheckPerMin,
    key: (req) => `provider-test:${req.principal?.userId ?? req.ip}`,
    what: 'connection tests',
  });
  const tags = ['providers'];

  r.get(
    '/providers',
    {
      schema: {
        tags,
        summary: "Supported providers and the caller's credentials",
        response: { 200: providerList },
      },
    },
    async (req) => ({ providers: await providers.list(principalOf(req).userId) }),
  );

  r.post(
    '/providers/activate',
    {
      preValidation: decodeStringBody,
      schema: {
        tags,
        summary: 'Save a provider key and turn the provider on',
        description: 'The body may also be a JSON string that encodes the object (text/plain clients).',
        body: activateProviderBody,
        response: { 200: providerStatus },
      },
    },
    async (req) => providers.activate(principalOf(req).userId, req.body),
  );

  r.post(
    '/providers/test',
    {
      preHandler: [testLimit],
      schema: {
        tags,
        summary: 'Try a provider key before saving it: lists its models or says what the provider answered',
        description:
          'Nothing is stored. Without api_key the saved key is used, and only with its own base URL. ' +
          'A provider that refuses answers 200 with ok:false and its error.',
        body: testProviderBody,
        response: { 200: testProviderResult },
      },
    },
    async (req) => models.testConnection(principalOf(req).userId, req.body),
  );

  r.patch(
    '/providers/:provider',
    {
      schema: {
        tags,
        summary: "Change the caller's provider credential",
        params: providerParams,
        body: updateProviderBody,
        response: { 200: providerStatus },
      },
    },
    async (req) => providers.update(principalOf(req).userId, req.params.provider, req.body),
  );

  r.delete(
    '/providers/:provider',
    {
      schema: {
        tags,
        summary: "Forget the caller's provider credential",
        params: providerParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await providers.remove(principalOf(req).userId, req.params.provider);
      return reply.code(204).send(null);
    },
  );
}
