import { createParser } from 'eventsource-parser';
import type { SseEvent } from './sse.js';

/** A live GET /v1/events (or any SSE) connection over a real socket, collecting what it hears. */
export interface EventClient {
  status: number;
  events: SseEvent[];
  /** Resolves with the first event (from the start, or after `after` events) matching `pred`. */
  next(pred: (e: SseEvent) => boolean, timeoutMs?: number, after?: number): Promise<SseEvent>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openEvents(
  url: string,
  headers: Record<string, string>,
  lastEventId?: string,
): Promise<EventClient> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: {
      ...headers,
      accept: 'text/event-stream',
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const parser = createParser({
    onEvent: (m) => {
      events.push({ event: m.event ?? 'message', id: m.id, data: JSON.parse(m.data) });
      for (const w of waiters) w();
    },
  });
  const state = { ended: false };
  let endedResolve = () => {};
  const ended = new Promise<void>((resolve) => {
    endedResolve = resolve;
  });
  if (res.ok && res.body) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } catch {
        // aborted by close()
      }
      state.ended = true;
      endedResolve();
      for (const w of waiters) w();
    })();
  } else {
    await res.text().catch(() => '');
    state.ended = true;
    endedResolve();
  }
  return {
    status: res.status,
    events,
    ended,
    close: () => controller.abort(),
    next(pred, timeoutMs = 10_000, after = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.slice(after).find(pred);
          if (hit) {
            done();
            resolve(hit);
          } else if (state.ended) {
            done();
            reject(
              new Error(`stream ended without the event; heard ${events.map((e) => e.event).join(',')}`),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`no such event in ${timeoutMs} ms; heard ${events.map((e) => e.event).join(',')}`),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
