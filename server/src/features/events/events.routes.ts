import { type UserEvent, userEventsResponse } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { openSse } from '../../lib/sse.js';
import { principalOf } from '../../plugins/auth.js';

export async function eventsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { events } = ctx.services;

  r.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Every change to your data as it happens (SSE); resumes after Last-Event-ID',
        description:
          'Events: chat.created, chat.updated, chat.deleted, message.created, message.updated, ' +
          'message.completed, message.failed, job.updated, local_model.health, provider.updated, ' +
          'file.created, file.deleted, and resync (refetch: the missed events are no longer kept). ' +
          'Payloads: contracts/src/events.ts. A comment line every 15 s keeps the stream open.',
        headers: z.object({ 'last-event-id': z.string().max(64).optional() }),
        response: { 200: userEventsResponse },
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      const header = req.headers.authorization;
      const token = header?.toLowerCase().startsWith('bearer ') ? header.slice(7) : undefined;
      const sse = openSse<UserEvent>(reply);
      await events.open(principal, token, req.headers['last-event-id'] || undefined, sse);
      return reply;
    },
  );
}
