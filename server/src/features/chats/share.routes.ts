import multipart from '@fastify/multipart';
import { createShareBody, idParams, importAccepted, shareCreated, shareStatus } from '@pocketllm/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';
import { filePart, readingUpload } from '../files/files.routes.js';

/** Where the portal is reached, as the caller reached it (behind a proxy with TRUST_PROXY, its host). */
const originOf = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

/** Share links of a chat (`/chats/{id}/share`) and chat import (`/chats/import`). */
export async function chatShareRoutes(app: FastifyInstance, ctx: AppContext) {
  const { shares, chatImport } = ctx.services;
  const tags = ['chats'];
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/chats/:id/share',
    {
      schema: {
        tags,
        summary:
          'Share a snapshot of the chat as it is now (its current branch) by a link; replaces an earlier link',
        params: idParams,
        body: createShareBody.nullish(),
        response: { 201: shareCreated },
      },
    },
    async (req, reply) => {
      const userId = principalOf(req).userId;
      const created = await shares.create(userId, req.params.id, req.body ?? {}, originOf(req));
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );
  r.get(
    '/chats/:id/share',
    {
      schema: {
        tags,
        summary: 'Whether the chat has a live share link',
        params: idParams,
        response: { 200: shareStatus },
      },
    },
    async (req) => shares.status(principalOf(req).userId, req.params.id),
  );
  r.delete(
    '/chats/:id/share',
    {
      schema: {
        tags,
        summary: "Revoke the chat's share link",
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await shares.revoke(principalOf(req).userId, req.params.id);
      return reply.code(204).send(null);
    },
  );

  // The upload goes to disk as it arrives; the import runs as a job (GET /v1/jobs/{id} shows its progress).
  await app.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: ctx.config.maxImportBytes + 1, files: 1, fields: 5, fieldSize: 1000, parts: 6 },
    });
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/chats/import',
      {
        schema: {
          tags,
          summary:
            'Import chats from ChatGPT\'s conversations.json or a PocketLLM export (multipart "file"); runs as a job',
          consumes: ['multipart/form-data'],
          response: { 202: importAccepted },
        },
      },
      async (req, reply) => {
        const part = await filePart(req);
        const accepted = await readingUpload(part, () =>
          chatImport.upload(principalOf(req).userId, part.file),
        );
        return reply.code(202).send(accepted);
      },
    );
  });
}
