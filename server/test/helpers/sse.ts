import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

/** Parses a whole SSE body (from app.inject) into events. */
export function parseSse(body: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent: (m: EventSourceMessage) =>
      events.push({ event: m.event ?? 'message', id: m.id, data: JSON.parse(m.data) }),
  });
  parser.feed(body);
  return events;
}

/** Reads SSE events from a live fetch response, calling `onEvent` until it returns false or the stream ends. */
export async function readSse(res: Response, onEvent: (e: SseEvent) => boolean | undefined): Promise<void> {
  if (!res.body) return;
  let keepGoing = true;
  const parser = createParser({
    onEvent: (m) => {
      if (
        keepGoing &&
        onEvent({ event: m.event ?? 'message', id: m.id, data: JSON.parse(m.data) }) === false
      ) {
        keepGoing = false;
      }
    },
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  while (keepGoing) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel().catch(() => {});
}
