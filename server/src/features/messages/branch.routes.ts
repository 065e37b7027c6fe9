import { editMessageBody, idParams, regenerateMessageBody } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';
import { answerResponses, overlappedSendLimit, replyWithAnswer } from '../chats/send.reply.js';

/** Regenerate and edit: new branches of a chat, answered (JSON or SSE) exactly like a send. */
export async function branchRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { chatBranches, chatSend } = ctx.services;
  // They are sends: they count toward the same per-user limit, checked alongside their first read.
  const limit = overlappedSendLimit(app, ctx);
  const tags = ['chats'];

  r.post(
    '/messages/:id/regenerate',
    {
      preHandler: limit,
      schema: {
        tags,
        summary: 'Answer the same prompt again: a new sibling answer (JSON, or SSE with stream:true)',
        description:
          'The answer is stored first and written in the background like a send’s: resumable through ' +
          '/messages/{id}/stream and cancellable. The answer cache is skipped. The chat then shows the new answer.',
        params: idParams,
        body: regenerateMessageBody,
        response: answerResponses,
      },
    },
    async (req, reply) =>
      replyWithAnswer(
        chatSend,
        req,
        reply,
        await chatBranches.regenerate(principalOf(req).userId, req.params.id, req.body, req.admission),
      ),
  );

  r.post(
    '/messages/:id/edit',
    {
      preHandler: limit,
      schema: {
        tags,
        summary: 'Edit a prompt: a new sibling user message and its answer (JSON, or SSE with stream:true)',
        description: 'The original message and its branch are kept; the chat then shows the new branch.',
        params: idParams,
        body: editMessageBody,
        response: answerResponses,
      },
    },
    async (req, reply) =>
      replyWithAnswer(
        chatSend,
        req,
        reply,
        await chatBranches.edit(principalOf(req).userId, req.params.id, req.body, req.admission),
      ),
  );
}
