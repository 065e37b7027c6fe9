import {
  editMessageBody,
  idParams,
  regenerateMessageBody,
  sendMessageResult,
  streamResponse,
} from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';
import { perMinuteLimit } from '../../plugins/rate-limit.js';
import { replyWithAnswer } from '../chats/send.reply.js';

/** Regenerate and edit: new branches of a chat, answered (JSON or SSE) exactly like a send. */
export async function branchRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { chatBranches, chatSend } = ctx.services;
  // They are sends: they count toward the same per-user limit.
  const sendLimit = perMinuteLimit(app, {
    max: ctx.config.rateLimits.chatPerMin,
    key: (req) => `chat-send:${req.principal?.userId ?? req.ip}`,
    what: 'messages',
  });
  const tags = ['chats'];
  type Answered = Parameters<typeof replyWithAnswer>;
  const answer = (req: Answered[1], reply: Answered[2], result: Answered[3]) =>
    replyWithAnswer(chatSend, req, reply, result);

  r.post(
    '/messages/:id/regenerate',
    {
      preHandler: sendLimit,
      schema: {
        tags,
        summary: 'Answer the same prompt again: a new sibling answer (JSON, or SSE with stream:true)',
        description:
          'The answer is stored first and written in the background like a send’s: resumable through ' +
          '/messages/{id}/stream and cancellable. The answer cache is skipped. The chat then shows the new answer.',
        params: idParams,
        body: regenerateMessageBody,
        response: { 201: sendMessageResult, 200: streamResponse },
      },
    },
    async (req, reply) =>
      answer(req, reply, await chatBranches.regenerate(principalOf(req).userId, req.params.id, req.body)),
  );

  r.post(
    '/messages/:id/edit',
    {
      preHandler: sendLimit,
      schema: {
        tags,
        summary: 'Edit a prompt: a new sibling user message and its answer (JSON, or SSE with stream:true)',
        description: 'The original message and its branch are kept; the chat then shows the new branch.',
        params: idParams,
        body: editMessageBody,
        response: { 201: sendMessageResult, 200: streamResponse },
      },
    },
    async (req, reply) =>
      answer(req, reply, await chatBranches.edit(principalOf(req).userId, req.params.id, req.body)),
  );
}
