import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccessTokens } from './tokens.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('access tokens', () => {
  it('remembers a verified token only until it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const tokens = new AccessTokens('a-test-secret-that-is-long-enough-0123456789', 60);
    const token = await tokens.sign({ userId: 'u1', sessionId: 's1' });
    expect(await tokens.verify(token)).toEqual({ userId: 'u1', sessionId: 's1' });
    expect(await tokens.verify(token)).toEqual({ userId: 'u1', sessionId: 's1' });
    vi.setSystemTime(new Date('2026-01-01T00:01:01Z'));
    await expect(tokens.verify(token)).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'Access token expired',
    });
  });

  it('never takes a token with another signature for a verified one', async () => {
    const tokens = new AccessTokens('a-test-secret-that-is-long-enough-0123456789', 60);
    const token = await tokens.sign({ userId: 'u1', sessionId: 's1' });
    await tokens.verify(token);
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${'A'.repeat(43)}`;
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: 'unauthorized' });
    const other = new AccessTokens('another-secret-that-is-long-enough-0123456789', 60);
    await expect(other.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
