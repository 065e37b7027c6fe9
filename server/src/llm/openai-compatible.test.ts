import http from 'node:http';
import { Agent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { collectChat } from '../../test/fakes/collect.js';
import { RELAXED_TIMEOUTS, runProviderConformance } from '../../test/fakes/conformance.js';
import { startFakeOpenAI } from '../../test/fakes/openai.js';
import { createGuardedDispatcher } from '../lib/url-policy.js';
import { createLlmProvider } from './factory.js';
import { OpenAICompatibleProvider } from './openai-compatible.js';

runProviderConformance({
  name: 'openai-compatible',
  start: startFakeOpenAI,
  make: (baseUrl, apiKey, timeouts) =>
    createLlmProvider(
      { provider: 'openai-compatible', adapter: 'openai-compatible', baseUrl, apiKey },
      timeouts,
    ),
  keyHeader: 'authorization',
  keyValue: (k) => `Bearer ${k}`,
  model: 'gpt-4o-mini',
  lengthWire: 'length',
  embeddingModel: 'text-embedding-3-small',
});

describe('openai-compatible specifics', async () => {
  const fake = await startFakeOpenAI({ reply: 'ok' });
  afterAll(() => fake.close());

  it('asks for a stream with usage and passes only the params that are set', async () => {
    const p = new OpenAICompatibleProvider({ baseUrl: fake.url, apiKey: null, timeouts: RELAXED_TIMEOUTS });
    await collectChat(
      p.streamChat({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        params: { temperature: 0.2, max_tokens: 50 },
      }),
    );
    expect(fake.requestsTo('chat').at(-1)?.body).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 50,
    });
  });

  it('uses max_completion_tokens for OpenAI itself', async () => {
    const p = createLlmProvider(
      { provider: 'openai', adapter: 'openai-compatible', baseUrl: fake.url, apiKey: 'k' },
      RELAXED_TIMEOUTS,
    );
    await collectChat(
      p.streamChat({ model: 'm', messages: [{ role: 'user', content: 'hi' }], params: { max_tokens: 9 } }),
    );
    expect(fake.requestsTo('chat').at(-1)?.body).toMatchObject({ max_completion_tokens: 9 });
  });

  it('labels model kinds from their ids and keeps extra fields (OpenRouter context_length)', async () => {
    fake.configure({
      models: [
        'gpt-4o',
        'text-embedding-3-large',
        'dall-e-3',
        { id: 'meta/llama', name: 'Llama', context_length: 8192 },
      ],
    });
    const p = new OpenAICompatibleProvider({ baseUrl: fake.url, apiKey: null, timeouts: RELAXED_TIMEOUTS });
    const models = await p.listModels();
    expect(models.map((m) => [m.id, m.kind])).toEqual([
      ['gpt-4o', 'chat'],
      ['text-embedding-3-large', 'embedding'],
      ['dall-e-3', 'image'],
      ['meta/llama', 'chat'],
    ]);
    expect(models[3]).toMatchObject({ name: 'Llama', context_length: 8192 });
  });

  it('refuses to follow a redirect (the key must not travel to another host)', async () => {
    const redirector = http.createServer((_req, res) =>
      res.writeHead(302, { location: `${fake.url}/models` }).end(),
    );
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const addr = redirector.address();
    const port = addr && typeof addr === 'object' ? addr.port : 0;
    fake.reset();
    const p = new OpenAICompatibleProvider({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      apiKey: 'k',
      timeouts: RELAXED_TIMEOUTS,
    });
    await expect(p.listModels()).rejects.toMatchObject({ kind: 'bad_request', status: 302 });
    expect(fake.requests).toEqual([]);
    redirector.close();
  });

  it('honours a guarded dispatcher: a refused address is unreachable and never contacted', async () => {
    fake.reset();
    const target = {
      provider: 'openai-compatible',
      adapter: 'openai-compatible' as const,
      baseUrl: fake.url,
      apiKey: 'k',
    };
    const refused = createLlmProvider(target, RELAXED_TIMEOUTS, {
      dispatcher: createGuardedDispatcher({ allowPrivate: false }),
    });
    const err = await refused.listModels().catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unreachable' });
    expect(fake.requests).toEqual([]);
    const allowed = createLlmProvider(target, RELAXED_TIMEOUTS, {
      dispatcher: createGuardedDispatcher({ allowPrivate: true }),
    });
    expect((await allowed.listModels()).length).toBeGreaterThan(0);
  });

  it('keeps the connection when the body ends a moment after [DONE]', async () => {
    // A real provider's chunked body may end in a packet after [DONE]: reading the rest (not aborting it)
    // leaves the socket to the next call, which would otherwise pay a new connection (a TLS handshake).
    let connections = 0;
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n');
      res.write('data: [DONE]\n\n');
      setTimeout(() => res.end(), 30);
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    const port = addr && typeof addr === 'object' ? addr.port : 0;
    const dispatcher = new Agent();
    const p = new OpenAICompatibleProvider({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      apiKey: null,
      timeouts: RELAXED_TIMEOUTS,
      dispatcher,
    });
    const ask = () => collectChat(p.streamChat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    try {
      expect((await ask()).text).toBe('hi');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await ask()).text).toBe('hi');
      expect(connections).toBe(1);
    } finally {
      await dispatcher.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
