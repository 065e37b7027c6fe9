import { afterAll, describe, expect, it } from 'vitest';
import { collectChat } from '../../test/fakes/collect.js';
import { RELAXED_TIMEOUTS } from '../../test/fakes/conformance.js';
import {
  anthropicPictures,
  type FakeServer,
  ollamaPictures,
  openAIPictures,
  startFakeAnthropic,
  startFakeOllama,
  startFakeOpenAI,
  tinyPng,
} from '../../test/fakes/index.js';
import { listedCapabilities, ollamaCapabilities, openAICapabilities } from './capabilities.js';
import { createLlmProvider } from './factory.js';
import { type ChatMessage, ProviderError } from './types.js';

const png = tinyPng('wire');
const messages: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Earlier' },
  { role: 'assistant', content: 'Yes' },
  {
    role: 'user',
    content: 'What is this?',
    images: [{ mediaType: 'image/png', data: png.toString('base64') }],
  },
];

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe.each([
  {
    name: 'openai-compatible',
    start: startFakeOpenAI,
    adapter: 'openai-compatible' as const,
    read: openAIPictures,
    chatPath: '/chat/completions',
    headers: {} as Record<string, string>,
    badPart: {
      role: 'user',
      content: [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } }],
    },
  },
  {
    name: 'anthropic',
    start: startFakeAnthropic,
    adapter: 'anthropic' as const,
    read: anthropicPictures,
    chatPath: '/messages',
    headers: { 'anthropic-version': '2023-06-01' },
    badPart: {
      role: 'user',
      content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: png.toString('base64') } },
      ],
    },
  },
  {
    name: 'ollama',
    start: startFakeOllama,
    adapter: 'ollama' as const,
    read: ollamaPictures,
    chatPath: '/api/chat',
    headers: {} as Record<string, string>,
    badPart: { role: 'user', content: 'x', images: [`data:image/png;base64,${png.toString('base64')}`] },
  },
])('$name adapter sends pictures in its wire format', async (s) => {
  const fake: FakeServer = await s.start({ reply: 'A square.', visionModels: ['eyes'] });
  afterAll(() => fake.close());
  const provider = createLlmProvider(
    { provider: s.name, adapter: s.adapter, baseUrl: fake.url, apiKey: 'sk-test-0123456789' },
    RELAXED_TIMEOUTS,
  );

  it('the fake finds exactly the picture that was given, and answers', async () => {
    const r = await collectChat(provider.streamChat({ model: 'eyes', messages }));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('A square.');
    const req = fake.requestsTo('chat').at(-1);
    if (!req) throw new Error('no request');
    const pictures = s.read(req);
    expect(pictures).toEqual([{ mediaType: 'image/png', bytes: png }]);
  });

  it('text-only turns stay plain strings', async () => {
    await collectChat(provider.streamChat({ model: 'eyes', messages: messages.slice(0, 3) }));
    const body = fake.requestsTo('chat').at(-1)?.body as { messages: { content: unknown }[] };
    for (const m of body.messages) expect(typeof m.content).toBe('string');
  });

  it('a model without vision is refused by the fake as the provider would (bad_request)', async () => {
    const r = await collectChat(provider.streamChat({ model: 'blind', messages }));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect((r.error as ProviderError).kind).toBe('bad_request');
  });

  it('the fake refuses a picture in the wrong shape or of the wrong type with a 400', async () => {
    const res = await post(
      `${fake.url}${s.chatPath}`,
      { model: 'eyes', max_tokens: 5, messages: [s.badPart] },
      {
        authorization: 'Bearer sk-test-0123456789',
        'x-api-key': 'sk-test-0123456789',
        ...s.headers,
      },
    );
    expect(res.status).toBe(400);
  });
});

describe('pictures elsewhere', () => {
  it('the maintained list knows the common vision models and leaves text models out', () => {
    for (const id of [
      'gpt-4o-mini',
      'claude-3-5-haiku-latest',
      'claude-sonnet-4-5',
      'llava:13b',
      'gemini-2.0-flash',
    ])
      expect(listedCapabilities(id), id).toEqual(['vision']);
    for (const id of ['gpt-3.5-turbo', 'o3-mini', 'llama3.2:1b', 'mixtral-8x7b-32768'])
      expect(listedCapabilities(id), id).toEqual([]);
  });
});

describe('capabilities from provider metadata', () => {
  it('reads OpenRouter architecture, a server capabilities list, and Ollama families; else says nothing', () => {
    expect(openAICapabilities({ id: 'x', architecture: { input_modalities: ['text', 'image'] } })).toEqual([
      'vision',
    ]);
    expect(openAICapabilities({ id: 'gpt-4o', architecture: { input_modalities: ['text'] } })).toEqual([]);
    expect(openAICapabilities({ id: 'x', architecture: { modality: 'text+image->text' } })).toEqual([
      'vision',
    ]);
    expect(openAICapabilities({ id: 'x', architecture: { modality: 'text->image' } })).toEqual([]);
    expect(openAICapabilities({ id: 'x', capabilities: ['completion', 'vision'] })).toEqual(['vision']);
    expect(openAICapabilities({ id: 'x' })).toBeUndefined();
    expect(ollamaCapabilities({ capabilities: ['completion'] }, ['clip'])).toEqual([]);
    expect(ollamaCapabilities({}, ['llama', 'clip'])).toEqual(['vision']);
    expect(ollamaCapabilities({}, ['llama'])).toBeUndefined();
  });
});
