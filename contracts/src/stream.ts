import { z } from 'zod';
import { message } from './chats.js';
import { type SseEventData, sseEventNames, sseResponse } from './common.js';

/**
 * The Server-Sent-Events protocol of a streamed answer (POST /chats/{id}/messages with stream:true, and
 * GET /messages/{id}/stream). On the wire each event is `id: <offset>`, `event: <name>`, `data: <json>`;
 * the offset is the answer's length in characters after the event, which is what `Last-Event-ID` resumes from.
 * The server types what it writes with these schemas and the portal parses what it reads with them.
 */

/** The two stored rows, sent first: the answer starts empty with status 'streaming' (or complete when cached). */
export const streamMessageCreated = z.object({
  event: z.literal('message.created'),
  data: z.object({ user_message: message, assistant_message: message }),
});

/** The next piece of the answer's text. */
export const streamDelta = z.object({
  event: z.literal('delta'),
  data: z.object({ content: z.string() }),
});

/** The answer as stored at its end (completed or aborted); the last event of a stream that went well. */
export const streamMessageCompleted = z.object({
  event: z.literal('message.completed'),
  data: z.object({ message }),
});

/** The answer failed (provider error, timeout, interrupted); `message` is the stored failed answer when known. */
export const streamError = z.object({
  event: z.literal('error'),
  data: z.object({
    error: z.object({ code: z.string(), message: z.string() }),
    message: message.optional(),
  }),
});

export const streamEvent = z.discriminatedUnion('event', [
  streamMessageCreated,
  streamDelta,
  streamMessageCompleted,
  streamError,
]);
export type StreamEvent = z.infer<typeof streamEvent>;
export type StreamEventName = StreamEvent['event'];
/** The payload of one kind of event. */
export type StreamEventData<N extends StreamEventName> = SseEventData<StreamEvent, N>;

/** SSE event names of a streamed answer, in the order a stream can carry them. */
export const STREAM_EVENTS = sseEventNames(streamEvent);

/** The OpenAPI response of a route that answers with this stream (`text/event-stream`). */
export const streamResponse = sseResponse(STREAM_EVENTS, 'contracts/src/stream.ts');
