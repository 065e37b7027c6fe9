import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeServer,
  fakeEmbedding,
  startFakeAnthropic,
  startFakeOllama,
  startFakeOpenAI,
} from '../../../test/fakes/index.js';
import { buildTestApp, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { activate, createKey } from '../../../test/helpers/openai-gateway.js';

// The official OpenAI SDK as the client, over real HTTP, against the fake providers.
let t: TestApp;
let oa: FakeServer;
let an: FakeServer;
let ol: FakeServer;
let alice: TestUser;
let client: OpenAI;
const REPLY = 'The capital of France is Paris.';

beforeAll(async () => {
  oa = await startFakeOpenAI({ reply: REPLY, chunks: 4, apiKey: 'sk-openai-test-key' });
  an = await startFakeAnthropic({ reply: REPLY, chunks: 3, apiKey: 'sk-ant-test-key' });
  ol = await startFakeOllama({ reply: REPLY, chunks: 2 });
  t = await buildTestApp();
  alice = await registerUser(t.app);
  await activate(t.app, alice, 'openai', oa.url, 'sk-openai-test-key');
  await activate(t.app, alice, 'anthropic', an.url, 'sk-ant-test-key');
  await activate(t.app, alice, 'ollama', ol.url);
  // A local endpoint of the user's (Ollama protocol), serving a model the cloud Ollama serves too.
  const local = await t.app.inject({
    method: 'POST',
    url: '/v1/local-models',
    headers: alice.headers,
    payload: { name: 'desk', base_url: ol.url, endpoint_type: 'ollama' },
  });
  if (local.statusCode !== 201) throw new Error(`local endpoint: ${local.statusCode} ${local.body}`);
  const { key } = await createKey(t.app, alice);
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  client = new OpenAI({ apiKey: key, baseURL: `${address}/openai/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await t.close();
  await Promise.all([oa.close(), an.close(), ol.close()]);
});

const ask = [{ role: 'user' as const, content: 'What is the capital of France?' }];

describe.each([
  ['openai-compatible (passed through)', 'openai/gpt-4o-mini'],
  ['Anthropic', 'anthropic/claude-sonnet-4-5'],
  ['Ollama', 'ollama/llama3.2:1b'],
])('chat through %s', (_kind, model) => {
  it('answers a completion in OpenAI’s shape', async () => {
    const c = await client.chat.completions.create(
      { model, messages: ask, temperature: 0.2 },
      { headers: { 'x-pocketllm-cache': 'bypass' } },
    );
    expect(c.object).toBe('chat.completion');
    expect(c.choices[0]?.message).toMatchObject({ role: 'assistant', content: REPLY });
    expect(c.choices[0]?.finish_reason).toBe('stop');
    expect(c.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('streams chunks, the usage chunk when asked, and ends', async () => {
    const stream = await client.chat.completions.create(
      { model, messages: ask, stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-pocketllm-cache': 'bypass' } },
    );
    let text = '';
    const finishes: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      const f = chunk.choices[0]?.finish_reason;
      if (f) finishes.push(f);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(REPLY);
    expect(finishes).toEqual(['stop']);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });
});

describe('models and embeddings', () => {
  it('lists the user’s catalogue as provider/model', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(
      expect.arrayContaining(['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5', 'ollama/llama3.2:1b']),
    );
    const one = await client.models.retrieve('anthropic/claude-sonnet-4-5');
    expect(one).toMatchObject({ id: 'anthropic/claude-sonnet-4-5', object: 'model' });
  });

  it.each([['openai/text-embedding-3-small'], ['ollama/nomic-embed-text:latest']])(
    'embeds through %s (the SDK asks for base64 and decodes it)',
    async (model) => {
      const e = await client.embeddings.create({ model, input: ['hello world', 'paris'] });
      expect(e.data).toHaveLength(2);
      const expected = fakeEmbedding('hello world');
      expect(e.data[0]?.embedding).toHaveLength(expected.length);
      for (const [i, x] of (e.data[0]?.embedding ?? []).entries()) {
        expect(x).toBeCloseTo(expected[i] ?? Number.NaN, 5);
      }
      const floats = await client.embeddings.create({ model, input: 'paris', encoding_format: 'float' });
      expect(floats.data[0]?.embedding).toHaveLength(expected.length);
    },
  );

  it('a bare model id works when one provider serves it', async () => {
    const c = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: ask });
    expect(c.choices[0]?.message.content).toBe(REPLY);
  });
});

describe('local endpoints and the answer cache', () => {
  it('a local endpoint’s model is `local/<model>`; a bare id two providers serve is a 400 naming both', async () => {
    ol.reset();
    const c = await client.chat.completions.create({ model: 'local/llama3.2:1b', messages: ask });
    expect(c.choices[0]?.message.content).toBe(REPLY);
    expect(ol.requestsTo('chat')).toHaveLength(1);
    const err = await client.chat.completions
      .create({ model: 'llama3.2:1b', messages: ask })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('local/llama3.2:1b');
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('ollama/llama3.2:1b');
  });

  it('a repeated question is answered from the cache; bypass and a `stop` the key does not cover skip it', async () => {
    oa.reset();
    const q = [{ role: 'user' as const, content: 'Is this cached?' }];
    const first = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: q });
    expect(oa.requestsTo('chat')).toHaveLength(1);
    oa.reset();
    const second = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: q });
    expect(oa.requestsTo('chat')).toHaveLength(0);
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    await client.chat.completions.create(
      { model: 'openai/gpt-4o-mini', messages: q },
      { headers: { 'x-pocketllm-cache': 'bypass' } },
    );
    await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: q, stop: ['x'] });
    expect(oa.requestsTo('chat')).toHaveLength(2);
  });
});

describe('errors the SDK understands', () => {
  it('an unknown model is a NotFoundError (404, invalid_request_error, model_not_found)', async () => {
    const missing = await client.chat.completions
      .create({ model: 'no-such-model', messages: ask })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    const e = missing as InstanceType<typeof OpenAI.NotFoundError>;
    expect(e.status).toBe(404);
    expect(e.type).toBe('invalid_request_error');
    expect(e.code).toBe('model_not_found');
    expect(e.param).toBe('model');
  });

  it('a bad body is a BadRequestError naming the field', async () => {
    const err = await client.chat.completions
      .create({ model: 'openai/gpt-4o-mini', messages: ask, temperature: 7 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
  });

  it('embeddings and model lookups answer 400 naming the field and 404 for an unknown model', async () => {
    const noInput = await client.embeddings
      .create({ model: 'openai/text-embedding-3-small' } as unknown as OpenAI.EmbeddingCreateParams)
      .catch((e: unknown) => e);
    expect(noInput).toBeInstanceOf(OpenAI.BadRequestError);
    expect((noInput as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input');
    const unknownEmbedder = await client.embeddings
      .create({ model: 'no-such-embedder', input: 'x' })
      .catch((e: unknown) => e);
    expect(unknownEmbedder).toBeInstanceOf(OpenAI.NotFoundError);
    const unknownModel = await client.models.retrieve('openai/no-such-model').catch((e: unknown) => e);
    expect(unknownModel).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('tools reach an OpenAI-compatible provider; a provider without them answers 400 naming tools', async () => {
    oa.reset();
    const tools = [
      { type: 'function' as const, function: { name: 'weather', parameters: { type: 'object' } } },
    ];
    await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: ask, tools });
    expect(oa.requestsTo('chat')[0]?.body).toMatchObject({ model: 'gpt-4o-mini', tools });
    const err = await client.chat.completions
      .create({ model: 'anthropic/claude-sonnet-4-5', messages: ask, tools })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('tools');
  });

  it('a provider failure is a server error (5xx) the SDK would retry', async () => {
    an.setBehavior({ kind: 'http_error', status: 500, only: ['chat'] });
    const err = await client.chat.completions
      .create(
        { model: 'anthropic/claude-sonnet-4-5', messages: ask },
        { headers: { 'x-pocketllm-cache': 'bypass' } },
      )
      .catch((e: unknown) => e);
    an.reset();
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');
  });
});
