import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { collectChat } from '../../test/fakes/collect.js';
import { RELAXED_TIMEOUTS } from '../../test/fakes/conformance.js';
import { UpstreamCall } from './http.js';
import { OpenAICompatibleProvider } from './openai-compatible.js';
import { SseReader, type TextSource } from './sse-reader.js';
import { ProviderError } from './types.js';

/** A body that arrives in exactly these pieces, one a network read. */
const pieces = (...texts: string[]): TextSource => {
  const queue = [...texts];
  return { readText: async () => queue.shift() ?? null };
};

/** Every batch the reader gives, copied (it reuses its array), until the end. */
async function batches(source: TextSource): Promise<string[][]> {
  const reader = new SseReader(source);
  const out: string[][] = [];
  for (let b = await reader.next(); b !== null; b = await reader.next()) out.push([...b]);
  expect(await reader.next()).toBeNull();
  return out;
}

describe('the SSE reader', () => {
  it('gives the data of the events each read completed, one batch a read', async () => {
    expect(await batches(pieces('data: a\n\ndata: b\n\n', 'data: c\n\n'))).toEqual([['a', 'b'], ['c']]);
  });

  it('reads CRLF and lone CR line ends, also when a CRLF is split between reads', async () => {
    expect(await batches(pieces('data: a\r\n\r\ndata: b\r', '\n\r\n', 'data: c\r\rdata: d\r\n\r\n'))).toEqual(
      [['a'], ['b'], ['c', 'd']],
    );
  });

  it('joins a line split across reads, and waits for the blank line that ends an event', async () => {
    expect(await batches(pieces('da', 'ta: {"x":', '1}\n', '\n', 'data: two\n\n'))).toEqual([
      ['{"x":1}'],
      ['two'],
    ]);
  });

  it('skips comment lines and events without data, and joins multi-line data', async () => {
    const body = ': keep-alive\n\nevent: ping\nid: 7\n\nevent: message\ndata: one\ndata: two\n: note\n\n';
    expect(await batches(pieces(body))).toEqual([['one\ntwo']]);
  });

  it('delivers a final event whose blank line never came, in any line-end style', async () => {
    expect(await batches(pieces('data: a\n\ndata: [DONE]\n'))).toEqual([['a'], ['[DONE]']]);
    expect(await batches(pieces('data: a\r\n'))).toEqual([['a']]);
    expect(await batches(pieces('data: a\r'))).toEqual([['a']]);
    expect(await batches(pieces('data: a\r\r'))).toEqual([['a']]);
  });

  it('drops a last line cut off before its line break (a truncated stream ends early)', async () => {
    expect(await batches(pieces('data: a\n\ndata: {"choices":[{"del'))).toEqual([['a']]);
    expect(await batches(pieces('data: a\n\n', 'data: b\ndata: c'))).toEqual([['a']]);
    expect(await batches(pieces(''))).toEqual([]);
  });

  it('reads nothing after the end', async () => {
    const reader = new SseReader(pieces('data: a\n\n'));
    expect(await reader.next()).toEqual(['a']);
    expect(await reader.next()).toBeNull();
    expect(await reader.next()).toBeNull();
  });
});

/** A loopback server answering every request with these raw bytes as an event stream, then closing. */
async function rawStream(bytes: Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(bytes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('the SSE reader on a real response', () => {
  const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`;

  it('reads a body cut off inside a character to its end, without reading past it', async () => {
    // "€" is three bytes; the body stops after two of them.
    const euro = Buffer.from('€');
    const server = await rawStream(
      Buffer.concat([Buffer.from(`${chunk('a')}data: {"x":"`), euro.subarray(0, 2)]),
    );
    const url = `${server.url}/s`;
    const call = new UpstreamCall(url, { timeouts: RELAXED_TIMEOUTS, secret: null });
    try {
      await call.send(url, { headers: {} }, 'stream');
      const reader = new SseReader(call);
      const got: string[] = [];
      for (let b = await reader.next(); b !== null; b = await reader.next()) got.push(...b);
      expect(got).toEqual([chunk('a').slice(6, -2)]);
    } finally {
      call.close();
      await server.close();
    }
  });

  it('lets an adapter report a truncated stream as one that ended early', async () => {
    const server = await rawStream(Buffer.from(`${chunk('Hel')}${chunk('lo')}data: {"choices":[{"de`));
    try {
      const p = new OpenAICompatibleProvider({
        baseUrl: server.url,
        apiKey: null,
        timeouts: RELAXED_TIMEOUTS,
      });
      const got = await collectChat(
        p.streamChat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      );
      expect(got.deltas).toEqual(['Hel', 'lo']);
      expect(got.done).toBeUndefined();
      expect(got.error).toBeInstanceOf(ProviderError);
      expect(got.error).toMatchObject({
        kind: 'upstream',
        message: 'stream ended before the answer was complete',
      });
    } finally {
      await server.close();
    }
  });
});
