/** A GGUF file in MODELS_DIR answers the OpenAI-compatible API in OpenAI's shapes (in-process llama.cpp). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_SPEC, writeTinyGguf } from '../../../test/fixtures/make-tiny-gguf.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser } from '../../../test/helpers/factories.js';
import { createKey, keyHeaders } from '../../../test/helpers/openai-gateway.js';

let t: TestApp;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  t = await buildTestApp();
  const dir = t.config.localModels.modelsDir;
  mkdirSync(dir, { recursive: true });
  writeTinyGguf(path.join(dir, 'tiny.gguf'), { seed: 11 });
  writeTinyGguf(path.join(dir, 'embedder.gguf'), { seed: 12, architecture: 'nomic-bert' });
  key = (await createKey(t.app, await registerUser(t.app))).key;
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  client = new OpenAI({ apiKey: key, baseURL: `${address}/openai/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await t.close();
});

const complete = (extra: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/openai/v1/chat/completions',
    headers: { ...keyHeaders(key), 'x-pocketllm-cache': 'bypass' },
    payload: {
      model: 'gguf/tiny',
      messages: [{ role: 'user', content: 'Say something' }],
      temperature: 0,
      max_tokens: 8,
      ...extra,
    },
  });

describe('GGUF through /openai/v1', () => {
  it('is in the model list and answers a completion', async () => {
    const list = json<{ data: { id: string }[] }>(
      await t.app.inject({ method: 'GET', url: '/openai/v1/models', headers: keyHeaders(key) }),
    );
    expect(list.data.map((m) => m.id)).toContain('gguf/tiny');
    const res = await complete({});
    expect(res.statusCode).toBe(200);
    const body = json<{ object: string; choices: { message: { content: string }; finish_reason: string }[] }>(
      res,
    );
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(body.choices[0]?.finish_reason);
  });

  it('streams OpenAI chunks ending with [DONE]', async () => {
    const res = await complete({ stream: true });
    expect(res.statusCode).toBe(200);
    const events = res.body.trim().split('\n\n');
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as { object: string });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.length).toBeGreaterThan(2);
  });
});

// The official SDK as the client, over real HTTP, as a user's editor or script would call a GGUF model.
describe('GGUF through the OpenAI SDK', () => {
  it('chats and streams', async () => {
    const ask = { model: 'gguf/tiny', messages: [{ role: 'user' as const, content: 'Hi' }], max_tokens: 6 };
    const c = await client.chat.completions.create(ask, { headers: { 'x-pocketllm-cache': 'bypass' } });
    expect(c.object).toBe('chat.completion');
    expect(c.choices[0]?.message.content?.length).toBeGreaterThan(0);
    const stream = await client.chat.completions.create(
      { ...ask, stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-pocketllm-cache': 'bypass' } },
    );
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('embeds: one vector of the model’s width per input, the same text the same vector', async () => {
    const e = await client.embeddings.create({
      model: 'gguf/tiny',
      input: ['hello world', 'paris', 'hello world'],
    });
    expect(e.data.map((d) => d.index)).toEqual([0, 1, 2]);
    const [a, b, again] = e.data.map((d) => d.embedding);
    expect(a).toHaveLength(TINY_SPEC.hidden);
    expect(a?.every(Number.isFinite)).toBe(true);
    expect(again).toEqual(a);
    expect(b).not.toEqual(a);
    // float, as the SDK's default base64 decodes to the same numbers
    const floats = await client.embeddings.create({
      model: 'gguf/tiny',
      input: 'paris',
      encoding_format: 'float',
    });
    for (const [i, x] of (floats.data[0]?.embedding ?? []).entries())
      expect(x).toBeCloseTo(b?.[i] ?? Number.NaN, 5);
  });

  it('an embedding model asked to chat is a 400 saying so, in OpenAI’s error shape', async () => {
    const err = await client.chat.completions
      .create({ model: 'gguf/embedder', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String(err.message)).toContain('embedder.gguf is an embedding model');
  });

  it('an input longer than the model’s context is a 400 naming it, not a server error', async () => {
    const long = 'word '.repeat(TINY_SPEC.contextLength * 2);
    const err = await client.embeddings
      .create({ model: 'gguf/tiny', input: ['short', long] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String(err.message)).toMatch(/input\[1\]/);
    expect(err.param).toBe('input');
    // An empty string has nothing to embed: a 400 naming it too (it was a vector of width 0).
    const empty = await client.embeddings
      .create({ model: 'gguf/tiny', input: ['paris', ''] })
      .catch((e) => e);
    expect(empty).toBeInstanceOf(OpenAI.BadRequestError);
    expect(empty.param).toBe('input.1');
  });
});
