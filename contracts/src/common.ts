import { z } from 'zod';

export const uuidSchema = z.uuid();
export const idParams = z.object({ id: z.uuid() });
export const timestamp = z.string().describe('ISO 8601 timestamp in UTC');

/** `limit` (default 50, max 200) and an opaque `cursor`. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});
export type PageQuery = z.infer<typeof pageQuery>;

export const nextCursor = z.string().nullable();

/**
 * Every update body (PATCH, and PUT where it takes a partial body) must change something: `{}` is a 400
 * naming `body`, the same for every route and for ids of any owner, never an UPDATE with nothing to set.
 */
export const hasSomeField = (body: object) => Object.keys(body).length > 0;
export const NOTHING_TO_CHANGE = { message: 'give at least one field to change' };

/** The `event` names of an SSE stream's discriminated union of `{ event, data }` objects, in the union's order. */
export function sseEventNames<N extends string>(union: {
  options: readonly { shape: { event: { value: N } } }[];
}): N[] {
  return union.options.map((o) => o.shape.event.value);
}

/** The OpenAPI response of a route answering `text/event-stream` with these event names (declared in `source`). */
export const sseResponse = (names: readonly string[], source: string) =>
  z.string().describe(`text/event-stream: ${names.join(', ')} (${source})`);

/** The payload of the event named `N` in a union of `{ event, data }` events. */
export type SseEventData<E extends { event: string; data: unknown }, N extends E['event']> = Extract<
  E,
  { event: N }
>['data'];
