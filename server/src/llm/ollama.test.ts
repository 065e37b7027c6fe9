import { afterAll, describe, expect, it } from 'vitest';
import { collectChat } from '../../test/fakes/collect.js';
import { RELAXED_TIMEOUTS, runProviderConformance } from '../../test/fakes/conformance.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { createLlmProvider } from './factory.js';
import { OllamaProvider } from './ollama.js';

runProviderConformance({
  name: 'ollama',
  start: startFakeOllama,
  make: (baseUrl, apiKey, timeouts) =>
    createLlmProvider({ provider: 'ollama', adapter: 'ollama', baseUrl, apiKey }, timeouts),
  keyHeader: 'authorization',
  keyValue: (k) => `Bearer ${k}`,
  model: 'llama3.2:1b',
  lengthWire: 'length',
  embeddingModel: 'nomic-embed-text',
});

describe('ollama specifics', async () => {
  const fake = await startFakeOllama({ reply: 'ok' });
  afterAll(() => fake.close());
  const provider = new OllamaProvider({ baseUrl: fake.url, apiKey: null, timeouts: RELAXED_TIMEOUTS });

  it('maps params to Ollama options (max_tokens → num_predict)', async () => {
    const r = await collectChat(
      provider.streamChat({
        model: 'llama',
        messages: [{ role: 'user', content: 'hi' }],
        params: { temperature: 0.3, top_p: 0.8, max_tokens: 64, presence_penalty: 0.5 },
      }),
    );
    expect(r.text).toBe('ok');
    expect(fake.requestsTo('chat').at(-1)?.body).toEqual({
      model: 'llama',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      options: { temperature: 0.3, top_p: 0.8, num_predict: 64, presence_penalty: 0.5 },
    });
  });

  it('tells embedding models from chat models in /api/tags', async () => {
    const models = await provider.listModels();
    expect(models.map((m) => [m.id, m.kind])).toEqual([
      ['llama3.2:1b', 'chat'],
      ['nomic-embed-text:latest', 'embedding'],
    ]);
  });

  it('waits for headers up to the first-token timeout (Ollama answers once the model is loaded)', async () => {
    fake.configure({ headersDelayMs: 300 });
    const slowLoad = { ...RELAXED_TIMEOUTS, connectTimeoutMs: 50 };
    const r = await collectChat(
      new OllamaProvider({ baseUrl: fake.url, apiKey: null, timeouts: slowLoad }).streamChat({
        model: 'm',
        messages: [],
      }),
    );
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('ok');
    // …but no longer than that.
    const short = { ...slowLoad, firstTokenTimeoutMs: 100 };
    const strict = await collectChat(
      new OllamaProvider({ baseUrl: fake.url, apiKey: null, timeouts: short }).streamChat({
        model: 'm',
        messages: [],
      }),
    );
    expect(strict.error).toMatchObject({ kind: 'timeout', message: expect.stringContaining('no response') });
    fake.reset();
  });
});
