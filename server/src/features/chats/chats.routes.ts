import {
  chatList,
  chatSummary,
  chatWindowQuery,
  chatWithMessages,
  createChatBody,
  idParams,
  pageQuery,
  sendMessageBody,
  updateChatBody,
} from '@pocketllm/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';
import { answerResponses, overlappedSendLimit, replyWithAnswer } from './send.reply.js';

/** Sends JSON text as it is (Fastify serializes no string whose content type is JSON); its shape is the route's. */
const sendJsonText = (reply: FastifyReply, json: string) =>
  reply.type('application/json; charset=utf-8').send(json);

export async function chatsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { chats, chatSend, chatStart } = ctx.services;
  const tags = ['chats'];
  const limit = overlappedSendLimit(app, ctx);

  r.post(
    '/chats',
    { schema: { tags, summary: 'Start a chat', body: createChatBody, response: { 201: chatSummary } } },
    async (req, reply) => reply.code(201).send(await chats.create(principalOf(req).userId, req.body)),
  );
  r.get(
    '/chats',
    {
      schema: {
        tags,
        summary: 'List chats, newest activity first',
        querystring: pageQuery,
        response: { 200: chatList },
      },
    },
    // The JSON text comes from the database (reads.repository.ts): sent as it is, not serialized again.
    async (req, reply) => sendJsonText(reply, await chats.listJson(principalOf(req).userId, req.query)),
  );
  r.get(
    '/chats/:id',
    {
      schema: {
        tags,
        summary: 'A chat with its latest messages (oldest first)',
        params: idParams,
        querystring: chatWindowQuery,
        response: { 200: chatWithMessages },
      },
    },
    async (req, reply) =>
      sendJsonText(reply, await chats.getJson(principalOf(req).userId, req.params.id, req.query)),
  );
  r.patch(
    '/chats/:id',
    {
      schema: {
        tags,
        summary: 'Rename a chat, or change its model or its own system prompt (null clears)',
        params: idParams,
        body: updateChatBody,
        response: { 200: chatSummary },
      },
    },
    async (req) => chats.update(principalOf(req).userId, req.params.id, req.body),
  );
  r.delete(
    '/chats/:id',
    {
      schema: {
        tags,
        summary: 'Delete a chat and its messages',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await chats.remove(principalOf(req).userId, req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/chats/:id/messages',
    {
      preHandler: limit,
      schema: {
        tags,
        summary: 'Send a message and get the answer (JSON, or SSE with stream:true)',
        params: idParams,
        body: sendMessageBody,
        response: answerResponses,
      },
    },
    async (req, reply) =>
      replyWithAnswer(
        chatSend,
        req,
        reply,
        await chatSend.send(principalOf(req).userId, req.params.id, req.body, req.admission),
      ),
  );
  r.post(
    '/chats/new/messages',
    {
      preHandler: limit,
      schema: {
        tags,
        summary: 'Start a chat with its first message (JSON, or SSE with stream:true)',
        description:
          'Creates the chat and sends the message in one request; the chat id is user_message.chat_id. ' +
          'When the message is refused (e.g. no model configured) no chat is left behind.',
        body: sendMessageBody,
        response: answerResponses,
      },
    },
    async (req, reply) =>
      replyWithAnswer(
        chatSend,
        req,
        reply,
        await chatStart.start(principalOf(req).userId, req.body, req.admission),
      ),
  );
}
