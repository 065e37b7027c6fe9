import type { Message, StreamEvent } from '@pocketllm/contracts';
import type { Db } from '../../db/client.js';
import type { MessageRow } from '../../db/schema/index.js';
import type { SseStream } from '../../lib/sse.js';
import { toMessage } from '../messages/message.mapper.js';
import * as repo from './chats.repository.js';
import type { Generation, GenerationEvent } from './generation.js';

/** The stream of an answer: it carries only the events of the shared protocol (contracts/src/stream.ts). */
export type AnswerStream = SseStream<StreamEvent>;

// Event ids are the answer's length after the event, so `Last-Event-ID` says exactly where to resume.

function sendFinal(sse: AnswerStream, message: Message) {
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
      sent = gen.content.length;
    }
    const off = gen.subscribe((e: GenerationEvent) => {
      if (e.type === 'delta') {
        const start = e.offset - e.content.length;
        const piece = start >= sent ? e.content : e.content.slice(sent - start);
        if (piece) sse.send({ event: 'delta', data: { content: piece } }, e.offset);
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

const POLL_MS = 300;

/**
 * Resumes an answer this instance is not writing (another instance is, or it already ended): replays the
 * stored text from `fromOffset`, then follows the row as it is saved until it ends. An answer whose row has
 * not moved for `staleAfterMs` is reported as interrupted rather than waited on forever.
 */
export async function followStoredAnswer(
  sse: AnswerStream,
  db: Db,
  row: MessageRow,
  fromOffset: number,
  staleAfterMs: number,
): Promise<void> {
  let sent = fromOffset;
  let current = row;
  let lastChange = Date.now();
  while (!sse.closed) {
    if (current.content.length > sent) {
      sse.send({ event: 'delta', data: { content: current.content.slice(sent) } }, current.content.length);
      sent = current.content.length;
      lastChange = Date.now();
    }
    if (current.status !== 'streaming') {
      sendFinal(sse, toMessage(current));
      break;
    }
    if (Date.now() - lastChange > staleAfterMs) {
      sse.send(
        {
          event: 'error',
          data: {
            error: { code: 'interrupted', message: 'This answer stopped making progress' },
            message: toMessage(current),
          },
        },
        sent,
      );
      break;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
    const next = await repo.findMessage(db, row.userId, row.id);
    if (!next) break;
    if (next.updatedAt.getTime() !== current.updatedAt.getTime()) lastChange = Date.now();
    current = next;
  }
  sse.end();
}
