import { idParams, setLeafBody, setLeafResult } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';

/** The branch a chat shows (its messages form a tree; GET /chats/{id} returns the current path). */
export async function chatTreeRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { chats } = ctx.services;
  r.put(
    '/chats/:id/leaf',
    {
      schema: {
        tags: ['chats'],
        summary: 'Switch branch: the chat shows the path to the newest message under message_id',
        params: idParams,
        body: setLeafBody,
        response: { 200: setLeafResult },
      },
    },
    async (req) => chats.setLeaf(principalOf(req).userId, req.params.id, req.body.message_id),
  );
}
