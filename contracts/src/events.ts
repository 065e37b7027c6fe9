import { z } from 'zod';
import { chatSummary, message } from './chats.js';
import { type SseEventData, sseEventNames, sseResponse } from './common.js';
import { jobStatus } from './jobs.js';

/**
 * The user's event stream (GET /v1/events, Server-Sent Events): every change to the caller's data as it
 * happens, on whichever instance it happened. On the wire each event is `id: <event id>`, `event: <name>`,
 * `data: <json>`; reconnecting with `Last-Event-ID` replays what was missed from a bounded per-user log, or
 * sends one `resync` when the gap is older than the log (the client then refetches what it shows).
 * A running answer is announced by `message.created` (its assistant message is `streaming`); its text is
 * followed on GET /v1/messages/{id}/stream. The server types what it writes with these schemas and the portal
 * parses what it reads with them.
 */

/** Where a message sits in its chat's tree: its parent (null for a first message). */
const branch = { chat_id: z.uuid(), parent_id: z.uuid().nullable() };

export const chatCreatedEvent = z.object({
  event: z.literal('chat.created'),
  data: z.object({ chat: chatSummary }),
});
export const chatUpdatedEvent = z.object({
  event: z.literal('chat.updated'),
  data: z.object({ chat: chatSummary }),
});
export const chatDeletedEvent = z.object({
  event: z.literal('chat.deleted'),
  data: z.object({ chat_id: z.uuid() }),
});
/** A turn was stored: the user's message and its answer (`streaming` while it is written, or complete). */
export const messageCreatedEvent = z.object({
  event: z.literal('message.created'),
  data: z.object({ ...branch, user_message: message.nullable(), assistant_message: message }),
});
/** A stored message changed outside its writing (rating, pin). */
export const messageUpdatedEvent = z.object({
  event: z.literal('message.updated'),
  data: z.object({ ...branch, message }),
});
/** An answer ended well (completed or aborted): the stored message. */
export const messageCompletedEvent = z.object({
  event: z.literal('message.completed'),
  data: z.object({ ...branch, message }),
});
export const messageFailedEvent = z.object({
  event: z.literal('message.failed'),
  data: z.object({
    ...branch,
    message,
    error: z.object({ code: z.string(), message: z.string() }),
  }),
});
export const jobUpdatedEvent = z.object({
  event: z.literal('job.updated'),
  data: z.object({ job_id: z.uuid(), job_type: z.string(), status: jobStatus }),
});
/** The health, breaker or models of one of the user's local endpoints changed, or the endpoints did. */
export const localModelHealthEvent = z.object({
  event: z.literal('local_model.health'),
  data: z.object({}),
});
/** A provider credential was added, changed or removed. */
export const providerUpdatedEvent = z.object({
  event: z.literal('provider.updated'),
  data: z.object({ provider: z.string() }),
});
export const fileCreatedEvent = z.object({
  event: z.literal('file.created'),
  data: z.object({ file_id: z.uuid(), chat_id: z.uuid().nullable() }),
});
export const fileDeletedEvent = z.object({
  event: z.literal('file.deleted'),
  data: z.object({ file_id: z.uuid() }),
});
/**
 * Events were missed and cannot be replayed: refetch everything shown. `gap`: they are no longer kept (or the
 * id is unknown); `overflow`: this client read too slowly and events were dropped; `unavailable`: the log
 * could not be read (Redis away).
 */
export const resyncEvent = z.object({
  event: z.literal('resync'),
  data: z.object({ reason: z.enum(['gap', 'overflow', 'unavailable']) }),
});

export const userEvent = z.discriminatedUnion('event', [
  chatCreatedEvent,
  chatUpdatedEvent,
  chatDeletedEvent,
  messageCreatedEvent,
  messageUpdatedEvent,
  messageCompletedEvent,
  messageFailedEvent,
  jobUpdatedEvent,
  localModelHealthEvent,
  providerUpdatedEvent,
  fileCreatedEvent,
  fileDeletedEvent,
  resyncEvent,
]);
export type UserEvent = z.infer<typeof userEvent>;
export type UserEventName = UserEvent['event'];
export type UserEventData<N extends UserEventName> = SseEventData<UserEvent, N>;

/** Event names of the user's stream. */
export const USER_EVENTS = sseEventNames(userEvent);

/** The OpenAPI response of GET /v1/events (`text/event-stream`). */
export const userEventsResponse = sseResponse(USER_EVENTS, 'contracts/src/events.ts');
