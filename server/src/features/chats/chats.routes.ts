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
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';
import type { ReadBody } from './read-cache.js';
import { answerResponses, overlappedSendLimit, replyWithAnswer } from './send.reply.js';

/**
 * Sends a read's body as it is (its shape is the route's) with its strong ETag; 304 without a body when the
 * request's If-None-Match names it (or is `*`).
 */
const sendBody = (req: FastifyRequest, reply: FastifyReply, { body, etag }: ReadBody) => {
  reply.header('etag', etag);
  if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(body);
};
/** If-None-Match's weak comparison (RFC 9110 13.1.2): a list of tags, W/ ignored, or `*`. */
const matches = (header: string | undefined, etag: string) =>
  header?.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  }) === true;
/** The conditional request header, documented (the other headers pass through untouched). */
const conditional = z.looseObject({
  'if-none-match': z.string().optional().describe('ETags of bodies the client has: 304 when one is current'),
});
const notModified = {
  304: z.null().describe('Not modified: the If-None-Match header names the current ETag (no body)'),
};
const etagNote =
  ' The answer carries a strong ETag (a hash of the body); a request whose If-None-Match names it is answered 304 without a body.';

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
        description: `A page of the user's chats.${etagNote}`,
        querystring: pageQuery,
        headers: conditional,
        response: { 200: chatList, ...notModified },
      },
    },
    // The JSON text comes from the database (reads.repository.ts) or the read cache: sent as it is.
    async (req, reply) => sendBody(req, reply, await chats.listBody(principalOf(req).userId, req.query)),
  );
  r.get(
    '/chats/:id',
    {
      schema: {
        tags,
        summary: 'A chat with its latest messages (oldest first)',
        description: `The chat and the newest messages of the branch it shows.${etagNote}`,
        params: idParams,
        querystring: chatWindowQuery,
        headers: conditional,
        response: { 200: chatWithMessages, ...notModified },
      },
    },
    async (req, reply) =>
      sendBody(req, reply, await chats.getBody(principalOf(req).userId, req.params.id, req.query)),
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
