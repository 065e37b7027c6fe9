/**
 * Reads the SSE answer of POST /chats/{id}/messages and GET /messages/{id}/stream. EventSource cannot POST
 * nor send an Authorization header, so the body of a fetch Response is parsed with eventsource-parser.
 */
import { createParser } from 'eventsource-parser';
import { apiFetch, isRecord } from './client';
import type { Message } from './types';

export type StreamEvent =
  | { type: 'message.created'; user_message: Message | null; assistant_message: Message; offset: number }
  | { type: 'delta'; content: string; offset: number }
  | { type: 'message.completed'; message: Message; offset: number }
  | { type: 'error'; code: string; message: string; assistant: Message | null; offset: number };

function isMessage(v: unknown): v is Message {
  return (
    isRecord(v) && typeof v.id === 'string' && typeof v.content === 'string' && typeof v.role === 'string'
  );
}

/** Turns one raw SSE event into a typed one; unknown events (comments, pings) are dropped. */
export function toStreamEvent(
  name: string | undefined,
  data: string,
  id: string | undefined,
): StreamEvent | null {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isRecord(payload)) return null;
  const offset = Number.parseInt(id ?? '', 10);
  const at = Number.isFinite(offset) ? offset : -1;
  switch (name) {
    case 'message.created':
      if (!isMessage(payload.assistant_message)) return null;
      return {
        type: 'message.created',
        user_message: isMessage(payload.user_message) ? payload.user_message : null,
        assistant_message: payload.assistant_message,
        offset: at,
      };
    case 'delta':
      return typeof payload.content === 'string'
        ? { type: 'delta', content: payload.content, offset: at }
        : null;
    case 'message.completed':
      return isMessage(payload.message)
        ? { type: 'message.completed', message: payload.message, offset: at }
        : null;
    case 'error': {
      const err = isRecord(payload.error) ? payload.error : {};
      return {
        type: 'error',
        code: typeof err.code === 'string' ? err.code : 'stream_error',
        message: typeof err.message === 'string' ? err.message : 'The answer failed',
        assistant: isMessage(payload.message) ? payload.message : null,
        offset: at,
      };
    }
    default:
      return null;
  }
}

/** Feeds a streamed Response body to `onEvent` until it ends or `signal` aborts. */
export async function readEvents(res: Response, onEvent: (e: StreamEvent) => void): Promise<void> {
  if (!res.body) return;
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

export type SendBody = {
  content: string;
  model_config_id?: string;
  provider?: string;
  model?: string;
  local_model_id?: string;
};

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
