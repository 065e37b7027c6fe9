import { QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App, makeQueryClient } from '../App';
import { ImportPage } from '../settings/ImportPage';
import { installFakeApi, json, now } from '../test/fake-api';

afterEach(() => {
  vi.unstubAllGlobals();
  window.history.pushState({}, '', '/');
});

const shared = {
  title: 'Trip plans',
  messages: [
    { role: 'user', content: 'Where to in May?', created_at: now },
    { role: 'assistant', content: 'Try **Lisbon**.', created_at: now },
  ],
  models: ['gpt-4o-mini'],
  shared_at: now,
  expires_at: null,
};

describe('the shared page /s/{token}', () => {
  it('shows the chat to a signed-out visitor without asking to sign in', async () => {
    const { calls } = installFakeApi({ 'GET /shared/tok123': () => json(shared) });
    window.history.pushState({}, '', '/s/tok123');
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Trip plans' })).toBeTruthy();
    expect(screen.getByText('Where to in May?')).toBeTruthy();
    expect(await screen.findByText(/Lisbon/)).toBeTruthy();
    expect(screen.getByText(/gpt-4o-mini/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Sign in' })).toBeNull();
    expect(calls.map((c) => c.path)).toEqual(['/shared/tok123']);
  });

  it('says plainly when the link is dead', async () => {
    installFakeApi({
      'GET /shared/gone': () => json({ error: { code: 'not_found', message: 'Share not found' } }, 404),
    });
    window.history.pushState({}, '', '/s/gone');
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'This link does not work' })).toBeTruthy();
  });
});

describe('Settings → Import', () => {
  it('uploads the file and follows the job to the end with a progress bar', async () => {
    let polls = 0;
    const job = (status: string, output: Record<string, unknown> | null) => ({
      id: 'j1',
      job_type: 'chat_import',
      status,
      input_data: {},
      output_data: output,
      error_log: null,
      attempts: 1,
      created_at: now,
      updated_at: now,
    });
    const progress = { format: 'chatgpt', bytes_read: 40, bytes_total: 100, conversations: 2, skipped: 0 };
    const { calls } = installFakeApi({
      'POST /chats/import': () => json({ job_id: 'j1', status: 'pending' }, 202),
      'GET /jobs/j1': () => {
        polls += 1;
        return json(
          polls === 1
            ? job('processing', { ...progress, percent: 40, imported: 2, messages: 8 })
            : job('completed', { ...progress, percent: 100, imported: 5, messages: 20 }),
        );
      },
    });
    render(
      <QueryClientProvider client={makeQueryClient()}>
        <MemoryRouter>
          <ImportPage />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    const file = new File(['[]'], 'conversations.json', { type: 'application/json' });
    fireEvent.change(screen.getByLabelText('Export file'), { target: { files: [file] } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    const bar = await screen.findByRole('progressbar', { name: 'Import progress' });
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('40'));
    expect(
      await screen.findByText(/Done: 5 chats imported \(20 messages\)/, {}, { timeout: 4000 }),
    ).toBeTruthy();
    expect(bar.getAttribute('aria-valuenow')).toBe('100');
    const upload = calls.find((c) => c.path === '/chats/import');
    expect(upload?.body).toBeInstanceOf(FormData);
  });
});
