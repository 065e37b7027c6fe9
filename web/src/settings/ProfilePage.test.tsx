import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { setTokens } from '../api/client';
import { installFakeApi, json } from '../test/fake-api';
import { cleanUpSignedIn, signedInMultiUser } from '../test/signed-in';
import { Avatar } from '../ui/Avatar';

// A busy machine (lazily loaded pages) can take longer than testing-library's 1 s.
const slow = { timeout: 10_000 };

afterEach(() => {
  vi.unstubAllGlobals();
  setTokens(null);
  cleanUpSignedIn();
});

describe('Avatar', () => {
  it('shows the picture, else the first letter of the name, else of the email', () => {
    const { container, rerender } = render(
      <Avatar user={{ avatar_url: '/a.png', full_name: 'ada', email: 'x@y.z' }} size="large" alt="Pic" />,
    );
    expect(screen.getByRole('img', { name: 'Pic' }).getAttribute('src')).toBe('/a.png');
    rerender(<Avatar user={{ avatar_url: null, full_name: 'ada', email: 'x@y.z' }} size="small" />);
    expect(container.textContent).toBe('A');
    expect(container.querySelector('span')?.className).toContain('size-7');
    rerender(<Avatar user={{ avatar_url: null, full_name: null, email: 'bob@y.z' }} size="large" />);
    expect(container.textContent).toBe('B');
    expect(container.querySelector('span')?.className).toContain('size-16');
  });
});

describe('Settings → Profile', () => {
  it('puts an uploaded avatar in the page and in the sidebar, in place of the initial', async () => {
    const { calls } = installFakeApi({
      ...signedInMultiUser({ full_name: 'Ada' }),
      'PUT /users/me/avatar': () => json({ avatar_url: '/api/v1/users/u1/avatar?v=2' }),
    });
    history.replaceState(null, '', '/settings/profile');
    const { container } = render(<App />);
    await screen.findByRole('heading', { name: 'Profile' }, slow);
    expect(container.querySelectorAll('img')).toHaveLength(0);
    const file = new File([new Uint8Array([137, 80, 78, 71])], 'me.png', { type: 'image/png' });
    fireEvent.change(screen.getByLabelText('Upload avatar'), { target: { files: [file] } });
    const big = await screen.findByRole('img', { name: 'Your avatar' }, slow);
    expect(big.getAttribute('src')).toBe('/api/v1/users/u1/avatar?v=2');
    await waitFor(() =>
      expect(container.querySelectorAll('img[src="/api/v1/users/u1/avatar?v=2"]')).toHaveLength(2),
    );
    expect(calls.some((c) => c.method === 'PUT' && c.path === '/users/me/avatar')).toBe(true);
  });
});
