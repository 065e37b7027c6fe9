import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { setTokens } from '../api/client';
import { installFakeApi, json } from '../test/fake-api';
import { cleanUpSignedIn, signedInMultiUser } from '../test/signed-in';

// A busy machine (lazily loaded pages, streamed answers) can take longer than testing-library's 1 s.
const slow = { timeout: 10_000 };

afterEach(() => {
  vi.unstubAllGlobals();
  setTokens(null);
  cleanUpSignedIn();
});

const openAccount = async () => {
  history.replaceState(null, '', '/settings/account');
  render(<App />);
  // The settings page is a lazily loaded chunk: its first load can take a while on a busy machine.
  return screen.findByRole('heading', { name: 'Change password' }, slow);
};

describe('Settings → Account', () => {
  it('changes the password, saying the server’s refusal in plain words and checking the repeat first', async () => {
    let tries = 0;
    const { calls } = installFakeApi({
      ...signedInMultiUser(),
      'POST /users/me/password': () => {
        tries += 1;
        return tries === 1
          ? json(
              {
                error: {
                  code: 'validation_error',
                  message: 'current_password: the current password is incorrect',
                  details: { field: 'current_password' },
                },
              },
              400,
            )
          : new Response(null, { status: 204 });
      },
    });
    await openAccount();
    const fill = (label: string, value: string) =>
      fireEvent.change(screen.getByLabelText(label), { target: { value } });
    fill('Current password', 'old password here');
    fill('New password', 'a brand new secret');
    fill('Repeat the new password', 'a brand new secre');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(screen.getByText('The two new passwords are not the same.')).toBeTruthy();
    expect(calls.some((c) => c.path === '/users/me/password')).toBe(false);

    fill('Repeat the new password', 'a brand new secret');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    const alert = await screen.findByRole('alert', undefined, slow);
    expect(alert.textContent).toBe('The current password is incorrect.');

    fill('Current password', 'the right one');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect((await screen.findByRole('status', undefined, slow)).textContent).toContain('Password changed');
    expect(calls.filter((c) => c.path === '/users/me/password').at(-1)?.body).toEqual({
      current_password: 'the right one',
      new_password: 'a brand new secret',
    });
    expect(screen.getByLabelText('Current password')).toHaveProperty('value', '');
  });

  it('deletes the account only after the email is typed, then signs out to the first screen', async () => {
    let deleted = false;
    const { calls } = installFakeApi({
      ...signedInMultiUser({ email: 'ada@example.com' }),
      'DELETE /users/me': () => {
        deleted = true;
        return new Response(null, { status: 204 });
      },
      'GET /auth/setup': () => json({ needs_admin: deleted }),
    });
    await openAccount();
    fireEvent.click(screen.getByRole('button', { name: 'Delete account…' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete your account?' });
    const confirm = screen.getByRole('button', { name: 'Delete my account' });
    expect(confirm).toHaveProperty('disabled', true);
    // The one field has the focus as the dialog opens.
    expect(document.activeElement).toBe(screen.getByLabelText(/to confirm/));
    fireEvent.change(screen.getByLabelText(/to confirm/), { target: { value: 'ada@example' } });
    expect(confirm).toHaveProperty('disabled', true);
    fireEvent.change(screen.getByLabelText(/to confirm/), { target: { value: ' Ada@Example.com ' } });
    expect(confirm).toHaveProperty('disabled', false);
    expect(dialog).toBeTruthy();
    fireEvent.click(confirm);
    expect(await screen.findByRole('heading', { name: 'Create the admin account' }, slow)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/users/me']);
    await waitFor(() => expect(localStorage.getItem('pocketllm.refresh_token')).toBeNull(), slow);
  });

  it('keeps the account when the server refuses (the last admin), saying why', async () => {
    installFakeApi({
      ...signedInMultiUser(),
      'DELETE /users/me': () =>
        json(
          {
            error: { code: 'conflict', message: 'This is the last admin: make another account admin first' },
          },
          409,
        ),
    });
    await openAccount();
    fireEvent.click(screen.getByRole('button', { name: 'Delete account…' }));
    fireEvent.change(screen.getByLabelText(/to confirm/), { target: { value: 'ada@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Delete my account' }));
    expect((await screen.findByRole('alert', undefined, slow)).textContent).toBe(
      'This is the last admin: make another account admin first.',
    );
    expect(screen.getByRole('heading', { name: 'Change password' })).toBeTruthy();
  });
});
