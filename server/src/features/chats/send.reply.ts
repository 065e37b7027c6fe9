import { type StreamEvent, sendMessageResult, streamResponse } from '@pocketllm/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { openSse } from '../../lib/sse.js';
import { overlappedLimits } from '../../plugins/rate-limit.js';
import { addLogFields } from '../../plugins/request-logging.js';
import type { SendHandle, SendService } from './send.service.js';

/**
 * The per-user limit of sends. Every route that sends (a message, a new chat's first one, a regeneration, an
 * edit) uses it, and they all count toward the same `chat-send:` key.
 */
const sendLimits = (ctx: AppContext) => ({
  limits: [
    {
      max: ctx.config.rateLimits.chatPerMin,
      key: (req: FastifyRequest) => `chat-send:${req.principal?.userId ?? req.ip}`,
    },
  ],
  what: 'messages',
});

/**
 * The send limit, checked alongside the send's first read (`req.admission`, awaited by the send before it
 * stores anything) rather than before it: one Redis round trip less ahead of the first token.
 */
export const overlappedSendLimit = (app: FastifyInstance, ctx: AppContext) =>
  overlappedLimits(app, sendLimits(ctx));

/** The responses of a route answered by `replyWithAnswer`: JSON (201) or the SSE stream (200). */
export const answerResponses = { 201: sendMessageResult, 200: streamResponse };

/**
 * Answers a send (or a regeneration or edit, which are sends too) as SSE or JSON, as the request asked:
 * `stream` in the body, else an Accept of text/event-stream.
 */
export async function replyWithAnswer(
  chatSend: Pick<SendService, 'pipe' | 'result'>,
  req: FastifyRequest<{ Body: { stream?: boolean | undefined } | undefined }>,
  reply: FastifyReply,
  handle: SendHandle,
) {
  const wantsStream = req.body?.stream ?? (req.headers.accept ?? '').includes('text/event-stream');
  const meta = handle.assistantMessage.metadata;
  addLogFields(req, {
    provider: meta.provider,
    model: meta.model,
    cache_hit: handle.cached,
    stream: wantsStream,
  });
  if (wantsStream) {
    const sse = openSse<StreamEvent>(reply, {
      event: {
        event: 'message.created',
        data: { user_message: handle.userMessage, assistant_message: handle.assistantMessage },
      },
      id: 0,
    });
    await chatSend.pipe(sse, handle);
    return reply;
  }
  const result = await chatSend.result(handle);
  const final = result.assistant_message.metadata;
  addLogFields(req, { tokens_in: final.tokens_in, tokens_out: final.tokens_out });
  return reply.code(201).send(result);
}
