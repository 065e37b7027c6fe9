import {
  idParams,
  message,
  pageQuery,
  pinMessageBody,
  pinMessageResult,
  pinnedMessageList,
  rateMessageBody,
  type StreamEvent,
  streamResponse,
} from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { openSse } from '../../lib/sse.js';
import { principalOf } from '../../plugins/auth.js';

export async function messagesRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { messages, chatSend } = ctx.services;
  const tags = ['messages'];

  // Registered before /messages/:id so "pinned" is never read as an id (find-my-way prefers statics anyway).
  r.get(
    '/messages/pinned',
    {
      schema: {
        tags,
        summary: 'Pinned messages across your chats, newest first',
        querystring: pageQuery,
        response: { 200: pinnedMessageList },
      },
    },
    async (req) => messages.listPinned(principalOf(req).userId, req.query.limit, req.query.cursor),
  );

  r.get(
    '/messages/:id',
    { schema: { tags, summary: 'One of your messages', params: idParams, response: { 200: message } } },
    async (req) => messages.get(principalOf(req).userId, req.params.id),
  );

  r.post(
    '/messages/:id/rate',
    {
      schema: {
        tags,
        summary: 'Rate an assistant message (null clears)',
        params: idParams,
        body: rateMessageBody,
        response: { 200: message },
      },
    },
    async (req) => messages.rate(principalOf(req).userId, req.params.id, req.body.rating),
  );

  // An answer's stream and its cancel are the send pipeline's (features/chats/send.service.ts): it owns the
  // generations that write answers. The OpenAPI tag stays `chats`, where these two routes were documented.
  r.get(
    '/messages/:id/stream',
    {
      schema: {
        tags: ['chats'],
        summary: 'Follow an answer as it is written; resumes after Last-Event-ID',
        params: idParams,
        headers: z.object({ 'last-event-id': z.coerce.number().int().min(0).optional() }),
        response: { 200: streamResponse },
      },
    },
    async (req, reply) => {
      const userId = principalOf(req).userId;
      // Ownership is checked before the stream opens, so a stranger gets a plain 404.
      await chatSend.assertAnswer(userId, req.params.id);
      const sse = openSse<StreamEvent>(reply);
      await chatSend.resume(userId, req.params.id, req.headers['last-event-id'] ?? 0, sse);
      return reply;
    },
  );

  r.post(
    '/messages/:id/cancel',
    {
      schema: {
        tags: ['chats'],
        summary: 'Stop a running answer, keeping its partial text',
        params: idParams,
        response: { 200: message },
      },
    },
    async (req) => chatSend.cancel(principalOf(req).userId, req.params.id),
  );

  // Pin toggles on an empty body, also when a client still labels it JSON (fetch with headers only), which
  // Fastify's JSON parser refuses; this scope alone parses an empty JSON body as no body.
  await app.register(async (scoped) => {
    const parseJson = scoped.getDefaultJsonParser('error', 'ignore');
    scoped.removeContentTypeParser('application/json');
    scoped.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
      body === '' ? done(null, undefined) : parseJson(req, String(body), done),
    );
    const s = scoped.withTypeProvider<ZodTypeProvider>();
    s.post(
      '/messages/:id/pin',
      {
        schema: {
          tags,
          summary: 'Pin or unpin a message (no body toggles)',
          params: idParams,
          body: pinMessageBody,
          response: { 200: pinMessageResult },
        },
      },
      async (req) => messages.pin(principalOf(req).userId, req.params.id, req.body?.pinned),
    );
  });
}
