import type { Message, StreamEvent } from '@pocketllm/contracts';
import type { SseStream } from '../../lib/sse.js';
import type { Generation, GenerationEvent } from './generation.js';

/** The stream of an answer: it carries only the events of the shared protocol (contracts/src/stream.ts). */
export type AnswerStream = SseStream<StreamEvent>;

// Event ids are the answer's length after the event, so `Last-Event-ID` says exactly where to resume.

export function sendFinal(sse: AnswerStream, message: Message) {
  const offset = message.content.length;
  if (message.status === 'failed') {
    const error = message.metadata.error ?? { code: 'provider_error', message: 'The answer failed' };
    sse.send({ event: 'error', data: { error, message } }, offset);
  } else {
    sse.send({ event: 'message.completed', data: { message } }, offset);
  }
}

/** Pipes a running answer to one client from `fromOffset` on; resolves when the answer ends or the client leaves. */
export function pipeGeneration(sse: AnswerStream, gen: Generation, fromOffset: number): Promise<void> {
  return new Promise((resolve) => {
    let sent = fromOffset;
    let flushed = false;
    if (gen.finished) {
      if (gen.finished.message.content.length > sent) {
        sse.send(
          { event: 'delta', data: { content: gen.finished.message.content.slice(sent) } },
          gen.finished.message.content.length,
        );
      }
      sendFinal(sse, gen.finished.message);
      sse.end();
      resolve();
      return;
    }
    if (gen.content.length > sent) {
      sse.send({ event: 'delta', data: { content: gen.content.slice(sent) } }, gen.content.length);
      sse.flush();
      flushed = true;
      sent = gen.content.length;
    }
    const off = gen.subscribe((e: GenerationEvent) => {
      if (e.type === 'delta') {
        const start = e.offset - e.content.length;
        const piece = start >= sent ? e.content : e.content.slice(sent - start);
        if (piece) {
          sse.send({ event: 'delta', data: { content: piece } }, e.offset);
          // The first token leaves at once, not when this tick's other work is done (SseStream.flush).
          if (!flushed) sse.flush();
          flushed = true;
        }
        sent = Math.max(sent, e.offset);
        return;
      }
      if (e.message.content.length > sent) {
        sse.send(
          { event: 'delta', data: { content: e.message.content.slice(sent) } },
          e.message.content.length,
        );
      }
      sendFinal(sse, e.message);
      sse.end();
      resolve();
    });
    sse.onClose(() => {
      off();
      resolve();
    });
  });
}
