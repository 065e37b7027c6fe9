import { chatSearchResult, globalSearchResult, idParams, searchQuery } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';

export async function searchRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { search } = ctx.services;
  const tags = ['search'];

  r.get(
    '/chats/:id/search',
    {
      schema: {
        tags,
        summary: 'Full-text search in one chat, best match first',
        params: idParams,
        querystring: searchQuery,
        response: { 200: chatSearchResult },
      },
    },
    async (req) => search.searchChat(principalOf(req).userId, req.params.id, req.query),
  );

  r.get(
    '/search',
    {
      schema: {
        tags,
        summary: 'Full-text search across all your chats, best match first',
        querystring: searchQuery,
        response: { 200: globalSearchResult },
      },
    },
    async (req) => search.searchAll(principalOf(req).userId, req.query),
  );
}
