import {
  createTemplateBody,
  renderTemplateBody,
  renderTemplateResult,
  template,
  templateList,
  templateParams,
  updateTemplateBody,
} from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';

export async function templatesRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { templates } = ctx.services;
  const tags = ['templates'];

  r.get(
    '/templates',
    { schema: { tags, summary: 'Built-in templates and your own', response: { 200: templateList } } },
    async (req) => templates.list(principalOf(req).userId),
  );

  r.get(
    '/templates/:id',
    { schema: { tags, summary: 'One template', params: templateParams, response: { 200: template } } },
    async (req) => templates.get(principalOf(req).userId, req.params.id),
  );

  r.post(
    '/templates',
    { schema: { tags, summary: 'Create a template', body: createTemplateBody, response: { 201: template } } },
    async (req, reply) => reply.code(201).send(await templates.create(principalOf(req).userId, req.body)),
  );

  r.patch(
    '/templates/:id',
    {
      schema: {
        tags,
        summary: 'Change your template (built-ins: 403)',
        params: templateParams,
        body: updateTemplateBody,
        response: { 200: template },
      },
    },
    async (req) => templates.update(principalOf(req).userId, req.params.id, req.body),
  );

  r.delete(
    '/templates/:id',
    {
      schema: {
        tags,
        summary: 'Delete your template (built-ins: 403)',
        params: templateParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await templates.remove(principalOf(req).userId, req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/templates/:id/render',
    {
      schema: {
        tags,
        summary: 'Fill a template’s {{variables}} into a prompt',
        params: templateParams,
        body: renderTemplateBody,
        response: { 200: renderTemplateResult },
      },
    },
    async (req) => templates.render(principalOf(req).userId, req.params.id, req.body.variables),
  );
}
