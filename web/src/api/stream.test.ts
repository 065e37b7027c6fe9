import { describe, expect, it } from 'vitest';
import { msg } from '../test/fake-api';
import { readEvents, type StreamEvent } from './stream';

/** A body delivered in awkward pieces, as a real network would: events split mid-line. */
function chunked(text: string, size: number): Response {
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < text.length; i += size) c.enqueue(enc.encode(text.slice(i, i + size)));
      c.close();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}

describe('readEvents', () => {
  it('parses every event with its offset however the bytes are split', async () => {
    const a = msg({ id: 'a1', status: 'streaming' });
    const body =
      `event: message.created\nid: 0\ndata: ${JSON.stringify({ user_message: msg({ id: 'u1', role: 'user' }), assistant_message: a })}\n\n` +
      ': keep-alive\n\n' +
      `event: delta\nid: 4\ndata: {"content":"Héll"}\n\n` +
      `event: delta\nid: 5\ndata: {"content":"o"}\n\n` +
      `event: message.completed\nid: 5\ndata: ${JSON.stringify({ message: { ...a, content: 'Héllo', status: 'completed' } })}\n\n`;
    for (const size of [1, 7, 1000]) {
      const events: StreamEvent[] = [];
      await readEvents(chunked(body, size), (e) => events.push(e));
      expect(events.map((e) => e.type)).toEqual(['message.created', 'delta', 'delta', 'message.completed']);
      expect(events[1]).toEqual({ type: 'delta', content: 'Héll', offset: 4 });
    }
  });

  it('reads an error event with its code and message', async () => {
    const events: StreamEvent[] = [];
    await readEvents(
      chunked('event: error\nid: 0\ndata: {"error":{"code":"provider_timeout","message":"too slow"}}\n\n', 5),
      (e) => events.push(e),
    );
    expect(events).toEqual([
      { type: 'error', code: 'provider_timeout', message: 'too slow', assistant: null, offset: 0 },
    ]);
  });
});
