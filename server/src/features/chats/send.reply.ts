import type { StreamEvent } from '@pocketllm/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { openSse } from '../../lib/sse.js';
import { addLogFields } from '../../plugins/request-logging.js';
import type { SendHandle, SendService } from './send.service.js';

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
    const sse = openSse<StreamEvent>(reply);
    sse.send(
      {
        event: 'message.created',
        data: { user_message: handle.userMessage, assistant_message: handle.assistantMessage },
      },
      0,
    );
    await chatSend.pipe(sse, handle);
    return reply;
  }
  const result = await chatSend.result(handle);
  const final = result.assistant_message.metadata;
  addLogFields(req, { tokens_in: final.tokens_in, tokens_out: final.tokens_out });
  return reply.code(201).send(result);
}
