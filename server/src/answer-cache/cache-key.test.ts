import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../llm/types.js';
import { cacheKeyInput, type KeyedSend, prepareKey } from './cache-key.js';

type H = { role: string; content: string };
// The context rule of the send pipeline, reduced: system prompt, the earlier turns, the prompt.
const contextFor =
  (system: string | null, prompt: string) =>
  (earlier: H[]): ChatMessage[] => [
    ...(system ? [{ role: 'system' as const, content: system }] : []),
    ...earlier.map((h) => ({
      role: h.role === 'user' ? ('user' as const) : ('assistant' as const),
      content: h.content,
    })),
    { role: 'user', content: prompt },
  ];
const send = (over: Partial<KeyedSend<H>> & { prompt: string }): KeyedSend<H> => ({
  userId: 'u1',
  target: { provider: 'openai' },
  model: 'gpt',
  params: { temperature: 0.5 },
  systemPrompt: null,
  history: [],
  contextFor: contextFor(over.systemPrompt ?? null, over.prompt),
  ...over,
});
const key = (s: KeyedSend<H>, scope: 'user' | 'global' = 'user') => prepareKey(cacheKeyInput(s), scope);

describe('cache key rules', () => {
  it('keys only the turns between the system prompt and the prompt', () => {
    const history = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ];
    const input = cacheKeyInput(send({ prompt: 'next?', systemPrompt: 'Be brief', history }));
    expect(input.context).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
    expect(input.systemPrompt).toBe('Be brief');
  });

  it('keys a prompt asked again in the same chat by the context of its first asking', () => {
    const history = [
      { role: 'user', content: 'What is a benchmark?' },
      { role: 'assistant', content: 'A measurement.' },
    ];
    const first = key(send({ prompt: 'What is a benchmark?' }));
    const again = key(send({ prompt: 'what is a  benchmark', history }));
    expect(again.key).toBe(first.key);
    // Another prompt after the same turns is keyed with them.
    expect(key(send({ prompt: 'And a profile?', history })).bucket).not.toBe(first.bucket);
  });

  it('tells two endpoints serving the same model name apart', () => {
    const a = key(send({ prompt: 'p', target: { provider: 'local', localEndpointId: 'e1' } }));
    const b = key(send({ prompt: 'p', target: { provider: 'local', localEndpointId: 'e2' } }));
    expect(a.key).not.toBe(b.key);
  });

  it('ignores the order of params but not their values, and normalizes the prompt', () => {
    const a = key(send({ prompt: 'Hello there?', params: { temperature: 0.5, top_p: 1 } }));
    const b = key(send({ prompt: '  hello   THERE', params: { top_p: 1, temperature: 0.5 } }));
    const c = key(send({ prompt: 'hello there', params: { top_p: 1, temperature: 0.7 } }));
    expect(a.key).toBe(b.key);
    expect(c.key).not.toBe(a.key);
  });

  it('shares across users only context-free prompts, and only in global scope', () => {
    const history = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ];
    expect(key(send({ prompt: 'p' }), 'global').key).toBe(
      key(send({ prompt: 'p', userId: 'u2' }), 'global').key,
    );
    expect(key(send({ prompt: 'p' })).key).not.toBe(key(send({ prompt: 'p', userId: 'u2' })).key);
    expect(key(send({ prompt: 'p', history }), 'global').key).not.toBe(
      key(send({ prompt: 'p', history, userId: 'u2' }), 'global').key,
    );
  });
});
