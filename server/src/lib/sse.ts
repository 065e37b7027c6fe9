import type { FastifyReply } from 'fastify';

export interface SseStream {
  send(event: string, data: unknown, id?: string | number): void;
  end(): void;
  /** True once the client went away (the work behind the stream goes on regardless). */
  readonly closed: boolean;
  onClose(fn: () => void): void;
}

const HEARTBEAT_MS = 15_000;

/**
 * Takes over the reply and opens a Server-Sent-Events stream. Headers Fastify already set (x-request-id, CORS)
 * are kept. A comment line every 15 s keeps proxies from closing an idle stream.
 */
export function openSse(reply: FastifyReply): SseStream {
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
  res.flushHeaders();
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
    send(event, data, id) {
      if (closed) return;
      const idLine = id === undefined ? '' : `id: ${id}\n`;
      res.write(`${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
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
  };
}
