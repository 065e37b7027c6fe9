import {
  idParams,
  portalChatBody,
  portalChatResult,
  portalCreateSessionBody,
  portalSearchQuery,
  portalSearchResult,
  portalSessionCreated,
  portalSessionDetail,
  portalSessionList,
} from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';
import { addLogFields } from '../../plugins/request-logging.js';

// Thin routes over the chats, send and search services: no logic of their own.

const asSession = (c: {
  id: string;
  title: string | null;
  message_count: number;
  created_at: string;
  updated_at: string;
}) => ({
  session_id: c.id,
  title: c.title,
  message_count: c.message_count,
  created_at: c.created_at,
  updated_at: c.updated_at,
});

// "Full history" for the portal's session view, bounded so one request stays one request.
const SESSION_MESSAGES = 500;

export async function legacyApiRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { chats, chatSend, search } = ctx.services;
  const tags = ['portal'];

  r.post(
    '/chat',
    {
      schema: {
        tags,
        summary: 'Send a prompt to a session (portal contract)',
        body: portalChatBody,
        response: { 200: portalChatResult },
      },
    },
    async (req) => {
      const handle = await chatSend.send(principalOf(req).userId, req.body.session_id, {
        content: req.body.prompt,
      });
      const result = await chatSend.result(handle);
      addLogFields(req, { cache_hit: result.cached, provider: result.assistant_message.metadata.provider });
      return {
        message_id: result.assistant_message.id,
        content: result.assistant_message.content,
        cached: result.cached,
      };
    },
  );
  r.post(
    '/sessions',
    {
      schema: {
        tags,
        summary: 'Create a session',
        body: portalCreateSessionBody,
        response: { 201: portalSessionCreated },
      },
    },
    async (req, reply) =>
      reply.code(201).send({ session_id: (await chats.create(principalOf(req).userId, req.body)).id }),
  );
  r.get(
    '/sessions',
    { schema: { tags, summary: 'List sessions, newest first', response: { 200: portalSessionList } } },
    async (req) => (await chats.list(principalOf(req).userId, { limit: 200 })).chats.map(asSession),
  );
  r.get(
    '/sessions/:id',
    {
      schema: {
        tags,
        summary: 'A session with its messages',
        params: idParams,
        response: { 200: portalSessionDetail },
      },
    },
    async (req) => {
      const chat = await chats.get(principalOf(req).userId, req.params.id, { limit: SESSION_MESSAGES });
      return { ...asSession(chat), messages: chat.messages };
    },
  );
  r.delete(
    '/sessions/:id',
    {
      schema: {
        tags,
        summary: 'Delete a session and its messages',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await chats.remove(principalOf(req).userId, req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.get(
    '/sessions/:id/search',
    {
      schema: {
        tags,
        summary: 'Full-text search in a session',
        params: idParams,
        querystring: portalSearchQuery,
        response: { 200: portalSearchResult },
      },
    },
    async (req) => {
      const found = await search.searchChat(principalOf(req).userId, req.params.id, req.query);
      return {
        query: found.query,
        session_id: found.chat_id,
        results: found.results,
        total_results: found.total_results,
      };
    },
  );
}
