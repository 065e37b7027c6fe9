import { describe, expect, it } from 'vitest';
import type { Message } from '../api/types';
import { msg } from '../test/fake-api';
import { applyEvent, localUserMessage } from './stream-state';

const chatId = '00000000-0000-4000-8000-0000000c0001';
const asMessage = (o: Record<string, unknown>): Message => ({ ...msg(), ...o }) as Message;

describe('applyEvent', () => {
  it('swaps the optimistic user message for the stored one and adds the streaming answer', () => {
    const local = localUserMessage(chatId, 'hi');
    const user = asMessage({ id: 'u1', role: 'user', content: 'hi' });
    const answer = asMessage({ id: 'a1', status: 'streaming' });
    const next = applyEvent(
      [local],
      { type: 'message.created', user_message: user, assistant_message: answer, offset: 0 },
      null,
    );
    expect(next.map((m) => m.id)).toEqual(['u1', 'a1']);
  });

  it('appends deltas, and an overlapping delta from a resume replaces the tail instead of doubling it', () => {
    let ms = [asMessage({ id: 'a1', status: 'streaming', content: '' })];
    ms = applyEvent(ms, { type: 'delta', content: 'Hel', offset: 3 }, 'a1');
    ms = applyEvent(ms, { type: 'delta', content: 'lo', offset: 5 }, 'a1');
    expect(ms[0]?.content).toBe('Hello');
    ms = applyEvent(ms, { type: 'delta', content: 'lo', offset: 5 }, 'a1');
    expect(ms[0]?.content).toBe('Hello');
    ms = applyEvent(ms, { type: 'delta', content: ' you', offset: -1 }, 'a1');
    expect(ms[0]?.content).toBe('Hello you');
  });

  it('replaces the answer on completion and marks it failed on an error without a message', () => {
    const ms = [asMessage({ id: 'a1', status: 'streaming', content: 'x' })];
    const done = applyEvent(
      ms,
      { type: 'message.completed', message: asMessage({ id: 'a1', content: 'xyz' }), offset: 3 },
      'a1',
    );
    expect(done[0]).toMatchObject({ content: 'xyz', status: 'completed' });
    const failed = applyEvent(
      ms,
      { type: 'error', code: 'provider_error', message: 'boom', assistant: null, offset: 1 },
      'a1',
    );
    expect(failed[0]).toMatchObject({
      status: 'failed',
      metadata: { error: { code: 'provider_error', message: 'boom' } },
    });
  });
});
