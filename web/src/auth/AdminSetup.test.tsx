import { fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { setTokens } from '../api/client';
import { installFakeApi, json, user } from '../test/fake-api';
import { cleanUpSignedIn } from '../test/signed-in';

// A busy machine (lazily loaded pages, streamed answers) can take longer than testing-library's 1 s.
const slow = { timeout: 10_000 };

const multiUser = () => {
  const m = document.createElement('meta');
  m.name = 'pocketllm-auth-mode';
  m.content = 'multi-user';
  document.head.append(m);
};

afterEach(() => {
  vi.unstubAllGlobals();
  setTokens(null);
  cleanUpSignedIn();
});

describe('the first screen', () => {
  it('on a fresh install is "Create the admin account" (no sign-in, no invite) and lands on the chats', async () => {
    multiUser();
    const { calls } = installFakeApi({
      'GET /auth/setup': () => json({ needs_admin: true }),
      'POST /auth/register': () =>
        json(
          { user: user(), access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 900 },
          201,
        ),
      'GET /chats': () => json({ chats: [], next_cursor: null }),
    });
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Create the admin account' }, slow)).toBeTruthy();
    expect(screen.queryByRole('tab', { name: 'Sign in' })).toBeNull();
    expect(screen.queryByLabelText('Invite code')).toBeNull();
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'ada@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create admin account' }));
    expect(screen.getByText('Use at least 8 characters (3 more).')).toBeTruthy();
    expect(calls.some((c) => c.path === '/auth/register')).toBe(false);
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'long enough password' } });
    fireEvent.change(screen.getByLabelText('Full name (optional)'), { target: { value: 'Ada' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create admin account' }));
    expect(await screen.findByText('No chats yet. Start one with “New chat”.', undefined, slow)).toBeTruthy();
    expect(calls.find((c) => c.path === '/auth/register')?.body).toEqual({
      email: 'ada@example.com',
      password: 'long enough password',
      full_name: 'Ada',
    });
  });

  it('once an account exists is Sign in', async () => {
    multiUser();
    installFakeApi({ 'GET /auth/setup': () => json({ needs_admin: false }) });
    render(<App />);
    expect(await screen.findByRole('tab', { name: 'Sign in', selected: true }, slow)).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Create the admin account' })).toBeNull();
  });

  it('is Sign in when the server cannot say (an older server)', async () => {
    multiUser();
    installFakeApi({});
    render(<App />);
    expect(await screen.findByRole('tab', { name: 'Sign in', selected: true }, slow)).toBeTruthy();
  });
});
