import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi, json } from '../test/fake-api';
import { ApiError, api, getRefreshToken, onAuthChange, setTokens } from './client';

afterEach(() => {
  vi.unstubAllGlobals();
  setTokens(null);
});

describe('api client', () => {
  it('refreshes once on a 401 and retries with the new token', async () => {
    setTokens({ access_token: 'old', refresh_token: 'r1' });
    const { calls } = installFakeApi({
      'GET /chats': ({ headers }) =>
        headers.get('authorization') === 'Bearer new'
          ? json({ chats: [], next_cursor: null })
          : json({ error: { code: 'unauthorized', message: 'expired' } }, 401),
      'POST /auth/refresh': ({ body }) =>
        json({ access_token: 'new', refresh_token: 'r2', expires_in: 900, user: {}, body }),
    });
    await expect(api('/chats')).resolves.toEqual({ chats: [], next_cursor: null });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /chats',
      'POST /auth/refresh',
      'GET /chats',
    ]);
    expect(calls[1]?.body).toEqual({ refresh_token: 'r1' });
    expect(getRefreshToken()).toBe('r2');
  });

  it('reports a lost session when the refresh is refused, and throws the API error', async () => {
    setTokens({ access_token: 'old', refresh_token: 'used' });
    installFakeApi({
      'GET /chats': () =>
        json({ error: { code: 'unauthorized', message: 'expired', request_id: 'req-1' } }, 401),
      'POST /auth/refresh': () => json({ error: { code: 'unauthorized', message: 'revoked' } }, 401),
    });
    const lost = vi.fn();
    const off = onAuthChange(lost);
    const err = await api('/chats').catch((e: unknown) => e);
    off();
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized', requestId: 'req-1' });
    expect(lost).toHaveBeenCalledWith(false);
    expect(getRefreshToken()).toBeNull();
  });
});
