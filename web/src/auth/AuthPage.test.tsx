import { fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { setTokens } from '../api/client';
import { installFakeApi } from '../test/fake-api';

const meta = (name: string, content: string) => {
  const m = document.createElement('meta');
  m.name = name;
  m.content = content;
  document.head.append(m);
};

afterEach(() => {
  vi.unstubAllGlobals();
  setTokens(null);
  for (const m of document.head.querySelectorAll('meta[name^="pocketllm-"]')) m.remove();
});

describe('registration', () => {
  it('asks for an invite only when the server needs one, and says the password rule in place', async () => {
    meta('pocketllm-auth-mode', 'multi-user');
    meta('pocketllm-invite-required', 'false');
    const { calls } = installFakeApi({});
    render(<App />);
    fireEvent.click(await screen.findByRole('tab', { name: 'Create account' }));
    expect(screen.queryByLabelText('Invite code')).toBeNull();
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'ada@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByText('Use at least 8 characters (3 more).')).toBeTruthy();
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true');
    expect(calls.some((c) => c.path === '/auth/register')).toBe(false);
  });

  it('shows the invite field when invites are required', async () => {
    meta('pocketllm-auth-mode', 'multi-user');
    meta('pocketllm-invite-required', 'true');
    installFakeApi({});
    render(<App />);
    fireEvent.click(await screen.findByRole('tab', { name: 'Create account' }));
    expect(screen.getByLabelText('Invite code')).toBeTruthy();
  });
});
