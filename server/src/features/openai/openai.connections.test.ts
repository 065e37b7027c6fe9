import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { activate, createKey, keyHeaders } from '../../../test/helpers/openai-gateway.js';

// A provider whose chunked body ends a moment after `data: [DONE]` (as a real one's may, in a later packet):
// the gateway passes the stream on and keeps the connection for the next call instead of destroying it (which
// would cost the next call a new connection, a TLS handshake with a real provider, before its first token).
let t: TestApp;
let alice: TestUser;
let key: string;
let provider: http.Server;
const sockets: unknown[] = [];

beforeAll(async () => {
  provider = http.createServer((req, res) => {
    if (!req.url?.endsWith('/chat/completions')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model' }] }));
      return;
    }
    sockets.push(req.socket);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n',
      );
      res.write(
        'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
      );
      res.write('data: [DONE]\n\n');
      setTimeout(() => res.end(), 30);
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  t = await buildTestApp();
  alice = await registerUser(t.app);
  const port = (provider.address() as AddressInfo).port;
  await activate(t.app, alice, 'openai', `http://127.0.0.1:${port}/v1`, 'sk-late-end-test-key');
  key = (await createKey(t.app, alice)).key;
});
afterAll(async () => {
  await t.close();
  provider.closeAllConnections();
  await new Promise((resolve) => provider.close(resolve));
});

const stream = () =>
  t.app.inject({
    method: 'POST',
    url: '/openai/v1/chat/completions',
    headers: { ...keyHeaders(key), 'x-pocketllm-cache': 'bypass' },
    payload: { model: 'openai/m', messages: [{ role: 'user', content: 'hello' }], stream: true },
  });

describe('the gateway and a provider that ends its body after [DONE]', () => {
  it('streams the answer and reuses the connection for the next call', async () => {
    const first = await stream();
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('"content":"hi"');
    expect(first.body.endsWith('data: [DONE]\n\n')).toBe(true);
    // The body's end comes 30 ms after [DONE]: once it has, the connection is back in the pool.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await stream();
    expect(second.statusCode).toBe(200);
    expect(second.body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(sockets).toHaveLength(2);
    expect(sockets[1]).toBe(sockets[0]);
  });
});
