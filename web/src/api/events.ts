/**
 * The portal's one GET /v1/events connection: read with fetch (EventSource cannot send the bearer token),
 * parsed with the contracts' schemas, applied to the query caches (event-cache.ts). When it drops it
 * reconnects with backoff and `Last-Event-ID`, so the server replays what was missed (or says `resync`).
 */
import { useQueryClient } from '@tanstack/react-query';
import { createParser } from 'eventsource-parser';
import { useEffect } from 'react';
import type { UserEvent } from '../../../contracts/src/events.js';
import { apiFetch } from './client';
import { applyUserEvent } from './event-cache';

type Parse = (name: string | undefined, data: string) => UserEvent | null;
let parser: Promise<Parse> | undefined;

// The schemas come in their own chunk (zod), as for the answer stream.
function loadParser(): Promise<Parse> {
  parser ??= import('../../../contracts/src/events.js').then(({ userEvent }) => (name, data) => {
    try {
      const parsed = userEvent.safeParse({ event: name, data: JSON.parse(data) });
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  });
  return parser;
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Holds the events connection until `signal` aborts, handing each event to `onEvent`. */
export async function followUserEvents(onEvent: (e: UserEvent) => void, signal: AbortSignal): Promise<void> {
  const parse = await loadParser();
  let lastId: string | undefined;
  let backoff = MIN_BACKOFF_MS;
  while (!signal.aborted) {
    try {
      const res = await apiFetch('/events', {
        headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
        signal,
      });
      backoff = MIN_BACKOFF_MS;
      if (!res.body) throw new Error('no body');
      const sse = createParser({
        onEvent(ev) {
          if (ev.id) lastId = ev.id;
          const e = parse(ev.event, ev.data);
          if (e) onEvent(e);
        },
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        sse.feed(value);
      }
    } catch {
      // Offline, refused or cut: try again below.
    }
    if (signal.aborted) break;
    // Jittered, growing waits so a restarted server is not met by every tab at once.
    await sleep(backoff * (0.5 + Math.random() / 2), signal);
    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
  }
}

/** Keeps this tab's caches live while it is signed in (mount once, inside the signed-in tree). */
export function useUserEvents(): void {
  const qc = useQueryClient();
  useEffect(() => {
    const abort = new AbortController();
    void followUserEvents((e) => applyUserEvent(qc, e), abort.signal);
    return () => abort.abort();
  }, [qc]);
}
