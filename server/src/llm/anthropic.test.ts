import { afterAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../test/fakes/anthropic.js';
import { collectChat } from '../../test/fakes/collect.js';
import { RELAXED_TIMEOUTS, runProviderConformance } from '../../test/fakes/conformance.js';
import { AnthropicProvider, toAnthropicMessages } from './anthropic.js';
import { createLlmProvider } from './factory.js';

runProviderConformance({
  name: 'anthropic',
  start: startFakeAnthropic,
  make: (baseUrl, apiKey, timeouts) =>
    createLlmProvider({ provider: 'anthropic', adapter: 'anthropic', baseUrl, apiKey }, timeouts),
  keyHeader: 'x-api-key',
  keyValue: (k) => k,
  model: 'claude-sonnet-4-5',
  lengthWire: 'max_tokens',
});

describe('anthropic specifics', async () => {
  const fake = await startFakeAnthropic({ reply: 'ok' });
  afterAll(() => fake.close());
  const provider = new AnthropicProvider({ baseUrl: fake.url, apiKey: 'k', timeouts: RELAXED_TIMEOUTS });

  it('sends the system prompt as `system`, the version header, max_tokens and clamped temperature', async () => {
    const r = await collectChat(
      provider.streamChat({
        model: 'claude',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
          { role: 'assistant', content: 'c' },
          { role: 'user', content: 'd' },
        ],
        params: { temperature: 1.5, top_p: 0.9, frequency_penalty: 1 },
      }),
    );
    expect(r.text).toBe('ok');
    const req = fake.requestsTo('chat').at(-1);
    expect(req?.headers['anthropic-version']).toBe('2023-06-01');
    expect(req?.body).toEqual({
      model: 'claude',
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'a\n\nb' },
        { role: 'assistant', content: 'c' },
        { role: 'user', content: 'd' },
      ],
      max_tokens: 4096,
      stream: true,
      temperature: 1,
      top_p: 0.9,
    });
  });

  it('an overloaded error event is an upstream error; a rate-limit event is rate_limited', async () => {
    fake.setBehavior('error_event');
    const r = await collectChat(
      provider.streamChat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(r.error).toMatchObject({ kind: 'upstream', message: expect.stringContaining('Overloaded') });
    fake.setBehavior({ kind: 'http_error', status: 529 });
    const busy = await collectChat(
      provider.streamChat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(busy.error).toMatchObject({ kind: 'upstream', status: 529 });
    fake.setBehavior('normal');
  });

  it('lists models with their display names', async () => {
    fake.configure({ models: [{ id: 'claude-x', display_name: 'Claude X' }] });
    expect(await provider.listModels()).toEqual([
      { id: 'claude-x', name: 'Claude X', kind: 'chat', owned_by: 'anthropic' },
    ]);
    expect(fake.requestsTo('models').at(-1)?.query).toEqual({ limit: '1000' });
  });

  it('keeps system-only input out of messages', () => {
    expect(toAnthropicMessages([{ role: 'system', content: 's' }])).toEqual({ system: 's', messages: [] });
  });
});
