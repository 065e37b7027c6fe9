/** A GGUF file in MODELS_DIR answers the OpenAI-compatible API in OpenAI's shapes (in-process llama.cpp). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGguf } from '../../../test/fixtures/make-tiny-gguf.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser } from '../../../test/helpers/factories.js';
import { createKey, keyHeaders } from '../../../test/helpers/openai-gateway.js';

let t: TestApp;
let key: string;

beforeAll(async () => {
  t = await buildTestApp();
  const dir = t.config.localModels.modelsDir;
  mkdirSync(dir, { recursive: true });
  writeTinyGguf(path.join(dir, 'tiny.gguf'), { seed: 11 });
  key = (await createKey(t.app, await registerUser(t.app))).key;
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
