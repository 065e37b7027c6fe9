/**
 * Reads the SSE answer of POST /chats/{id}/messages and GET /messages/{id}/stream. EventSource cannot POST
 * nor send an Authorization header, so the body of a fetch Response is parsed with eventsource-parser.
 */
import { createParser } from 'eventsource-parser';
import type { SendMessageBody } from '../../../contracts/src/chats.js';
import type { StreamEvent as WireEvent } from '../../../contracts/src/stream.js';
import { apiFetch, isRecord } from './client';
import type { Message } from './types';

/**
 * One event as the chat state applies it: the wire event of contracts/src/stream.ts (parsed with the very
 * schemas the server's stream is typed with), flattened, with the event id as the answer's offset.
 */
export type StreamEvent =
  | { type: 'message.created'; user_message: Message | null; assistant_message: Message; offset: number }
  | { type: 'delta'; content: string; offset: number }
  | { type: 'message.completed'; message: Message; offset: number }
  | { type: 'error'; code: string; message: string; assistant: Message | null; offset: number };

function fromWire(e: WireEvent, offset: number): StreamEvent {
  switch (e.event) {
    case 'message.created':
      return { type: e.event, ...e.data, offset };
    case 'delta':
      return { type: e.event, content: e.data.content, offset };
    case 'message.completed':
      return { type: e.event, message: e.data.message, offset };
    case 'error':
      return { type: e.event, ...e.data.error, assistant: e.data.message ?? null, offset };
  }
}

/** Turns one raw SSE event into a typed one; unknown or malformed events (comments, pings) are dropped. */
export type StreamParser = (
  name: string | undefined,
  data: string,
  id: string | undefined,
) => StreamEvent | null;

let parser: Promise<StreamParser> | undefined;

/**
 * The parser, built on first use: the schemas bring zod with them (~27 kB gzipped), which the first paint
 * does not need, so they come in their own chunk when the first answer is streamed.
 */
export function loadStreamParser(): Promise<StreamParser> {
  parser ??= import('../../../contracts/src/stream.js').then(({ streamEvent }) => (name, data, id) => {
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return null;
    }
    const n = Number.parseInt(id ?? '', 10);
    const offset = Number.isFinite(n) ? n : -1;
    const parsed = streamEvent.safeParse({ event: name, data: payload });
    if (parsed.success) return fromWire(parsed.data, offset);
    // A failure must reach the user even when its payload is not what the protocol says (e.g. a proxy's).
    if (name !== 'error') return null;
    const err = isRecord(payload) && isRecord(payload.error) ? payload.error : {};
    return {
      type: 'error',
      code: typeof err.code === 'string' ? err.code : 'stream_error',
      message: typeof err.message === 'string' ? err.message : 'The answer failed',
      assistant: null,
      offset,
    };
  });
  return parser;
}

/** Feeds a streamed Response body to `onEvent` until it ends or `signal` aborts. */
export async function readEvents(res: Response, onEvent: (e: StreamEvent) => void): Promise<void> {
  if (!res.body) return;
  const toStreamEvent = await loadStreamParser();
  const parser = createParser({
    onEvent(ev) {
      const parsed = toStreamEvent(ev.event, ev.data, ev.id);
      if (parsed) onEvent(parsed);
    },
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(value);
  }
}

/** What the portal sends with a message (the contracts body, less what it never sets). */
export type SendBody = Pick<
  SendMessageBody,
  'content' | 'model_config_id' | 'provider' | 'model' | 'local_model_id' | 'attachments'
>;

/** Sends a message and streams the answer. Rejects with ApiError when the request is refused up front. */
export async function sendMessageStream(
  chatId: string,
  body: SendBody,
  onEvent: (e: StreamEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const res = await apiFetch(`/chats/${chatId}/messages`, {
    method: 'POST',
    body: { ...body, stream: true },
    headers: { accept: 'text/event-stream' },
    signal,
  });
  await readEvents(res, onEvent);
}

/** Picks up a running answer from `offset` characters (after a reload, or on another device). */
export async function resumeStream(
  messageId: string,
  offset: number,
  onEvent: (e: StreamEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const res = await apiFetch(`/messages/${messageId}/stream`, {
    headers: { accept: 'text/event-stream', 'last-event-id': String(offset) },
    signal,
  });
  await readEvents(res, onEvent);
}
