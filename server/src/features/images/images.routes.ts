import { imageGenerationAccepted, imageGenerationBody } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';

export async function imagesRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { images } = ctx.services;

  r.post(
    '/images/generations',
    {
      schema: {
        tags: ['images'],
        summary: 'Generate images in the background; poll GET /jobs/{job_id}',
        body: imageGenerationBody,
        response: { 202: imageGenerationAccepted },
      },
    },
    async (req, reply) => reply.code(202).send(await images.generate(principalOf(req).userId, req.body)),
  );
}
