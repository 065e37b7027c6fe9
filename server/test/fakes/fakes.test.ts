import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from './anthropic.js';
import { fakeEmbedding } from './common.js';
import { startFakeOllama } from './ollama.js';
import { startFakeOpenAI } from './openai.js';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe('fake providers', async () => {
  const openai = await startFakeOpenAI({ reply: 'Hi there' });
  const anthropic = await startFakeAnthropic({ reply: 'Hi there' });
  const ollama = await startFakeOllama({ reply: 'Hi there' });
  afterAll(() => Promise.all([openai.close(), anthropic.close(), ollama.close()]));

  it('answer stream:false with one JSON completion in each wire format', async () => {
    const o = await (await post(`${openai.url}/chat/completions`, { model: 'm', messages: [] })).json();
    expect(o).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { content: 'Hi there' }, finish_reason: 'stop' }],
    });
    const a = await (
      await post(
        `${anthropic.url}/messages`,
        { model: 'm', messages: [], max_tokens: 5 },
        { 'anthropic-version': '2023-06-01' },
      )
    ).json();
    expect(a).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: 'Hi there' }],
      stop_reason: 'end_turn',
    });
    const l = await (
      await post(`${ollama.url}/api/chat`, { model: 'm', messages: [], stream: false })
    ).json();
    expect(l).toMatchObject({ message: { content: 'Hi there' }, done: true, done_reason: 'stop' });
  });

  it('chatsAsking selects the chat requests whose last message is the user asking that, in every format', async () => {
    openai.reset();
    anthropic.reset();
    ollama.reset();
    const version = { 'anthropic-version': '2023-06-01' };
    const history = [
      { role: 'user', content: 'Earlier question' },
      { role: 'assistant', content: 'Earlier answer' },
    ];
    await post(`${openai.url}/chat/completions`, {
      model: 'm',
      messages: [...history, { role: 'user', content: [{ type: 'text', text: 'Which one?' }] }],
    });
    // A call about the same chat for another purpose (its prompt is not the last user message) is not one.
    await post(`${openai.url}/chat/completions`, {
      model: 'm',
      messages: [
        { role: 'user', content: 'Which one?' },
        { role: 'assistant', content: 'This one' },
      ],
    });
    await post(`${openai.url}/embeddings`, { model: 'e', input: 'Which one?' });
    await post(
      `${anthropic.url}/messages`,
      {
        model: 'm',
        max_tokens: 5,
        messages: [
          { role: 'user', content: [{ type: 'text', text: '<file name="a.md">\nx\n</file>\n\nWhich one?' }] },
        ],
      },
      version,
    );
    await post(`${ollama.url}/api/chat`, {
      model: 'm',
      stream: false,
      messages: [...history, { role: 'user', content: 'Which one?' }],
    });
    expect(openai.chatsAsking('Which one?').map((r) => r.body)).toEqual([openai.requestsTo('chat')[0]?.body]);
    expect(openai.chatsAsking('Earlier question')).toEqual([]);
    expect(anthropic.chatsAsking('Which one?')).toHaveLength(1);
    expect(ollama.chatsAsking('Which one?')).toHaveLength(1);
    expect(ollama.chatsAsking('one?')).toEqual([]);
    expect(ollama.chatsAsking('Which')).toEqual([]);
  });

  it('the Anthropic fake refuses a request without anthropic-version, like the real API', async () => {
    const res = await post(`${anthropic.url}/messages`, { model: 'm', messages: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('images: a real PNG as b64_json, or a url the fake serves', async () => {
    openai.reset();
    const b64 = await (await post(`${openai.url}/images/generations`, { prompt: 'a cat', n: 2 })).json();
    expect(b64.data).toHaveLength(2);
    const png = Buffer.from(b64.data[0].b64_json, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(8); // IHDR width
    const idat = png.indexOf('IDAT');
    expect(inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4))).length).toBe(
      8 * (1 + 8 * 3),
    );
    expect(b64.data[0].b64_json).not.toBe(b64.data[1].b64_json);

    const byUrl = await (
      await post(`${openai.url}/images/generations`, { prompt: 'a cat', response_format: 'url' })
    ).json();
    const file = await fetch(byUrl.data[0].url);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(png);
    expect(openai.requestsTo('files')).toHaveLength(1);
  });

  it('embeddings are deterministic, unit length, and closer for texts sharing words', () => {
    const a = fakeEmbedding('how do I reset my password');
    expect(a).toEqual(fakeEmbedding('How do I reset my password?'));
    expect(cosine(a, a)).toBeCloseTo(1, 6);
    expect(cosine(a, fakeEmbedding('reset my password please'))).toBeGreaterThan(
      cosine(a, fakeEmbedding('weather in Paris tomorrow')),
    );
  });

  it('records requests with path, query, headers and parsed body; reset clears them', async () => {
    ollama.reset();
    await fetch(`${ollama.url}/api/tags?x=1`, { headers: { authorization: 'Bearer k' } });
    expect(ollama.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/api/tags',
        query: { x: '1' },
        endpoint: 'models',
        body: undefined,
      }),
    ]);
    expect(ollama.requests[0]?.headers.authorization).toBe('Bearer k');
    expect(await (await fetch(`${ollama.url}/api/version`)).json()).toEqual({ version: '0.6.0' });
    expect(await (await fetch(`${ollama.url}/`)).text()).toBe('Ollama is running');
    ollama.reset();
    expect(ollama.requests).toEqual([]);
  });

  it('`only` limits a behaviour to some endpoints', async () => {
    openai.setBehavior({ kind: 'http_error', status: 503, only: ['chat'] });
    expect((await fetch(`${openai.url}/models`)).status).toBe(200);
    expect((await post(`${openai.url}/chat/completions`, { model: 'm', messages: [] })).status).toBe(503);
    openai.reset();
  });

  it('close() ends hanging requests instead of waiting for them', async () => {
    const fake = await startFakeOpenAI({ behavior: 'hang' });
    const pending = fetch(`${fake.url}/models`).catch((e: unknown) => e);
    await expect.poll(() => fake.requests.length).toBe(1);
    await fake.close();
    expect(await pending).toBeInstanceOf(TypeError);
  });
});
