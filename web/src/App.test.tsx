import { fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import { setTokens } from './api/client';
import { installFakeApi, json, user } from './test/fake-api';

afterEach(() => {
  vi.unstubAllGlobals();
  setTokens(null);
  document.head.querySelector('meta[name="pocketllm-auth-mode"]')?.remove();
});

const emptyLists = {
  'GET /chats': () => json({ chats: [], next_cursor: null }),
};

describe('App', () => {
  it('registers with an invite code and lands on the chats', async () => {
    const meta = document.createElement('meta');
    meta.name = 'pocketllm-auth-mode';
    meta.content = 'multi-user';
    document.head.append(meta);
    const { calls } = installFakeApi({
      ...emptyLists,
      'POST /auth/register': ({ body }) =>
        json(
          {
            user: user(),
            access_token: 'a',
            refresh_token: 'r',
            token_type: 'Bearer',
            expires_in: 900,
            body,
          },
          201,
        ),
    });
    render(<App />);
    fireEvent.click(await screen.findByRole('tab', { name: 'Create account' }));
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'ada@example.com' } });
    fireEvent.change(screen.getByLabelText(/^Password/), { target: { value: 'long enough password' } });
    fireEvent.change(screen.getByLabelText('Invite code'), { target: { value: 'INV-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('No chats yet. Start one with “New chat”.')).toBeTruthy();
    expect(calls.find((c) => c.path === '/auth/register')?.body).toEqual({
      email: 'ada@example.com',
      password: 'long enough password',
      invite_code: 'INV-1',
    });
    // Multi-user mode: no anonymous probe of /auth/me.
    expect(calls.some((c) => c.path === '/auth/me')).toBe(false);
  });

  it('shows a refused sign-in in plain words', async () => {
    installFakeApi({
      'GET /auth/me': () => json({ error: { code: 'unauthorized', message: 'not signed in' } }, 401),
      'POST /auth/login': () =>
        json({ error: { code: 'invalid_credentials', message: 'Wrong email or password' } }, 401),
    });
    render(<App />);
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'ada@example.com' } });
    fireEvent.change(screen.getByLabelText(/^Password/), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('That email and password do not match');
  });

  it('skips sign-in in single-user mode', async () => {
    installFakeApi({ ...emptyLists, 'GET /auth/me': () => json(user({ full_name: 'Local user' })) });
    render(<App />);
    expect(await screen.findByText('No chats yet. Start one with “New chat”.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
  });
});
