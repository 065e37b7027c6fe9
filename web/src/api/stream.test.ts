import { describe, expect, it } from 'vitest';
import { msg } from '../test/fake-api';
import { loadStreamParser, readEvents, type StreamEvent } from './stream';

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

const ANSWER = '00000000-0000-4000-8000-0000000000a1';
const QUESTION = '00000000-0000-4000-8000-0000000000b1';

describe('readEvents', () => {
  it('parses every event with its offset however the bytes are split', async () => {
    const a = msg({ id: ANSWER, status: 'streaming' });
    const body =
      `event: message.created\nid: 0\ndata: ${JSON.stringify({ user_message: msg({ id: QUESTION, role: 'user' }), assistant_message: a })}\n\n` +
      ': keep-alive\n\n' +
      `event: delta\nid: 4\ndata: {"content":"Héll"}\n\n` +
      `event: delta\nid: 5\ndata: {"content":"o"}\n\n` +
      `event: message.completed\nid: 5\ndata: ${JSON.stringify({ message: { ...a, content: 'Héllo', status: 'completed' } })}\n\n`;
    for (const size of [1, 7, 1000]) {
      const events: StreamEvent[] = [];
      await readEvents(chunked(body, size), (e) => events.push(e));
      expect(events.map((e) => e.type)).toEqual(['message.created', 'delta', 'delta', 'message.completed']);
      expect(events[0]).toMatchObject({ user_message: { id: QUESTION }, assistant_message: { id: ANSWER } });
      expect(events[1]).toEqual({ type: 'delta', content: 'Héll', offset: 4 });
    }
  });

  it('reads an error event with its code, message and the failed answer', async () => {
    const events: StreamEvent[] = [];
    const failed = msg({ id: ANSWER, status: 'failed', content: 'Part' });
    await readEvents(
      chunked(
        'event: error\nid: 0\ndata: {"error":{"code":"provider_timeout","message":"too slow"}}\n\n' +
          `event: error\nid: 4\ndata: ${JSON.stringify({ error: { code: 'interrupted', message: 'stopped' }, message: failed })}\n\n`,
        5,
      ),
      (e) => events.push(e),
    );
    expect(events).toEqual([
      { type: 'error', code: 'provider_timeout', message: 'too slow', assistant: null, offset: 0 },
      { type: 'error', code: 'interrupted', message: 'stopped', assistant: failed, offset: 4 },
    ]);
  });
});

describe('the stream parser (the contracts schemas)', () => {
  it('drops unknown events and events whose payload breaks the protocol', async () => {
    const toStreamEvent = await loadStreamParser();
    expect(toStreamEvent('ping', '{}', undefined)).toBeNull();
    expect(toStreamEvent('delta', '{"content":5}', '1')).toBeNull();
    expect(toStreamEvent('delta', 'not json', '1')).toBeNull();
    // An answer that is not a message (here: no uuid) is not taken for one.
    expect(
      toStreamEvent('message.completed', JSON.stringify({ message: msg({ id: 'a1' }) }), '1'),
    ).toBeNull();
  });

  it('still reports a failure whose payload is not the protocol’s', async () => {
    const toStreamEvent = await loadStreamParser();
    expect(toStreamEvent('error', '{"detail":"bad gateway"}', undefined)).toEqual({
      type: 'error',
      code: 'stream_error',
      message: 'The answer failed',
      assistant: null,
      offset: -1,
    });
  });
});
