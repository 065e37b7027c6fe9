import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi, json, now } from '../test/fake-api';
import { ApiKeysPage } from './ApiKeysPage';

afterEach(() => {
  vi.unstubAllGlobals();
});

const KEY_ID = '00000000-0000-4000-8000-0000000000a1';
const listed = (over: Record<string, unknown> = {}) => ({
  id: KEY_ID,
  name: 'editor',
  prefix: 'pk-AbCdEfG',
  scopes: ['chat', 'models', 'embeddings'],
  created_at: now,
  expires_at: null,
  last_used_at: null,
  ...over,
});

function renderPage() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <ApiKeysPage />
    </QueryClientProvider>,
  );
}

describe('Settings → API keys', () => {
  it('creates a key, shows it once with a copy button and in the SDK examples, and lists it without the key', async () => {
    let keys: ReturnType<typeof listed>[] = [];
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const { calls } = installFakeApi({
      'GET /api-keys': () => json({ api_keys: keys }),
      'POST /api-keys': () => {
        keys = [listed({ name: 'notebook', scopes: ['chat'] })];
        return json(
          { ...listed({ name: 'notebook', scopes: ['chat'] }), key: 'pk-AbCdEfG-the-whole-secret' },
          201,
        );
      },
    });
    renderPage();
    expect(await screen.findByText('No API keys yet.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Key name'), { target: { value: 'notebook' } });
    fireEvent.click(screen.getByLabelText('Models'));
    fireEvent.click(screen.getByLabelText('Embeddings'));
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    const shown = (await screen.findByLabelText('New API key')) as HTMLInputElement;
    expect(shown.value).toBe('pk-AbCdEfG-the-whole-secret');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'notebook', scopes: ['chat'] });
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('pk-AbCdEfG-the-whole-secret'));
    expect(screen.getByRole('tabpanel', { name: 'Python example' }).textContent).toContain(
      'api_key="pk-AbCdEfG-the-whole-secret"',
    );
    fireEvent.click(screen.getByRole('tab', { name: 'curl' }));
    expect(screen.getByRole('tabpanel', { name: 'curl example' }).textContent).toContain(
      '/openai/v1/chat/completions',
    );
    const list = await screen.findByRole('list', { name: 'Your API keys' });
    expect(within(list).getByText('notebook')).toBeTruthy();
    expect(list.textContent).not.toContain('the-whole-secret');
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByLabelText('New API key')).toBeNull();
    expect(screen.getByRole('tabpanel', { name: 'curl example' }).textContent).not.toContain(
      'the-whole-secret',
    );
  });

  it('revokes a key after confirming, and shows when it was last used', async () => {
    let keys = [listed({ last_used_at: now })];
    const { calls } = installFakeApi({
      'GET /api-keys': () => json({ api_keys: keys }),
      [`DELETE /api-keys/${KEY_ID}`]: () => {
        keys = [];
        return new Response(null, { status: 204 });
      },
    });
    renderPage();
    const list = await screen.findByRole('list', { name: 'Your API keys' });
    expect(list.textContent).not.toContain('last used never');
    fireEvent.click(screen.getByRole('button', { name: 'Revoke editor' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    expect(await screen.findByText('No API keys yet.')).toBeTruthy();
    expect(calls.some((c) => c.method === 'DELETE' && c.path === `/api-keys/${KEY_ID}`)).toBe(true);
  });
});
