import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSse } from './sse.js';

// Issue 12: "A heartbeat every 15 s keeps proxies from closing it." Only setInterval is faked, so the stream
// runs over a real socket while the clock of the heartbeat is played exactly.
describe('openSse', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes a keep-alive comment every 15 s on an idle stream, and stops when it ends', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const app = Fastify();
    let end = () => {};
    app.get('/s', async (_req, reply) => {
      const sse = openSse(reply);
      end = () => sse.end();
      sse.send({ event: 'hello', data: {} });
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`${base}/s`);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const bytes = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      const reader = {
        read: async () => {
          const { done, value } = await bytes.read();
          return { done, value: value && decoder.decode(value) };
        },
      };
      expect((await reader.read()).value).toBe('event: hello\ndata: {}\n\n');
      vi.advanceTimersByTime(15_000);
      expect((await reader.read()).value).toBe(': keep-alive\n\n');
      vi.advanceTimersByTime(15_000);
      expect((await reader.read()).value).toBe(': keep-alive\n\n');
      end();
      expect(vi.getTimerCount()).toBe(0);
      expect((await reader.read()).done).toBe(true);
    } finally {
      await app.close();
    }
  });
});
