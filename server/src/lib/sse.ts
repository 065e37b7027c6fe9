import type { FastifyReply } from 'fastify';

/** One event of a stream's protocol: its name and JSON payload (e.g. contracts' StreamEvent). */
export interface SseEvent {
  event: string;
  data: unknown;
}

/** A stream that can only carry the events of its protocol `E`; `id` becomes the event's `id:` line. */
export interface SseStream<E extends SseEvent = SseEvent> {
  send(event: E, id?: string | number): void;
  end(): void;
  /** True once the client went away (the work behind the stream goes on regardless). */
  readonly closed: boolean;
  onClose(fn: () => void): void;
  /** Bytes written but not yet taken by the client (a slow reader's backlog). */
  readonly buffered: number;
  /** Calls `fn` once, when the backlog has been taken. */
  onDrain(fn: () => void): void;
  /**
   * Hands what was written to the socket now. Node's http corks a response's socket on each write until the
   * next tick, and a tick can be long: a send's first token waited behind the answer's last save on PGlite,
   * whose statements run on this thread (~3 ms).
   */
  flush(): void;
}

const HEARTBEAT_MS = 15_000;

/**
 * Takes over the reply and writes a Server-Sent-Events head (status 200), keeping the headers Fastify already
 * set (x-request-id, CORS, rate-limit headers). The head leaves with the first bytes written unless flushed.
 */
export function writeSseHead(reply: FastifyReply) {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  return res;
}

// Node's http corks the socket on a response's write and uncorks it on the next tick; this sends now.
// Every level: several writes in one tick cork it more than once.
const uncork = (res: FastifyReply['raw']) => {
  const socket = res.socket;
  while (socket?.writableCorked) socket.uncork();
};

const frame = (e: SseEvent, id?: string | number) =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;

/**
 * Takes over the reply and opens a Server-Sent-Events stream. Headers Fastify already set (x-request-id, CORS)
 * are kept. A comment line every 15 s keeps proxies from closing an idle stream. `first`, when given, leaves
 * in the same write as the head (one packet, one wake-up of the client, before a send's first token).
 */
export function openSse<E extends SseEvent>(
  reply: FastifyReply,
  first?: { event: E; id?: string | number },
): SseStream<E> {
  const res = writeSseHead(reply);
  if (first) {
    res.write(frame(first.event, first.id));
    uncork(res);
  } else res.flushHeaders();
  let closed = false;
  const closeHandlers: (() => void)[] = [];
  const heartbeat = setInterval(() => {
    if (!closed) res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();
  res.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    for (const fn of closeHandlers) fn();
  });
  return {
    send(e, id) {
      if (closed) return;
      res.write(frame(e, id));
    },
    end() {
      clearInterval(heartbeat);
      if (!closed) res.end();
      closed = true;
    },
    get closed() {
      return closed;
    },
    onClose(fn) {
      closeHandlers.push(fn);
    },
    get buffered() {
      return res.writableLength;
    },
    onDrain(fn) {
      res.once('drain', fn);
    },
    flush: () => uncork(res),
  };
}
