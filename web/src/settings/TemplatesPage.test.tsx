import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { setTokens } from '../api/client';
import { installFakeApi, json, now } from '../test/fake-api';
import { cleanUpSignedIn, signedInMultiUser } from '../test/signed-in';

// A busy machine (lazily loaded pages, streamed answers) can take longer than testing-library's 1 s.
const slow = { timeout: 10_000 };

afterEach(() => {
  vi.unstubAllGlobals();
  setTokens(null);
  cleanUpSignedIn();
});

const OWN = '00000000-0000-4000-8000-0000000f0001';
const tpl = (over: Record<string, unknown>) => ({
  id: OWN,
  name: 'Mine',
  description: '',
  content: 'Hello {{name}}',
  builtin: false,
  variables: ['name'],
  created_at: now,
  updated_at: now,
  ...over,
});

describe('Settings → Templates', () => {
  it('shows built-ins read-only, and creates, edits and deletes the user’s own', async () => {
    let list = [
      tpl({
        id: 'builtin:summarize',
        name: 'Summarize',
        content: 'Summarize {{text}}',
        builtin: true,
        variables: ['text'],
        created_at: null,
        updated_at: null,
      }),
    ];
    const { calls } = installFakeApi({
      ...signedInMultiUser(),
      'GET /templates': () => json({ templates: list }),
      'POST /templates': ({ body }) => {
        list = [...list, tpl(body as Record<string, unknown>)];
        return json(list.at(-1), 201);
      },
      [`PATCH /templates/${OWN}`]: ({ body }) => {
        list = list.map((t) => (t.id === OWN ? { ...t, ...(body as object) } : t));
        return json(list.find((t) => t.id === OWN));
      },
      [`DELETE /templates/${OWN}`]: () => {
        list = list.filter((t) => t.id !== OWN);
        return new Response(null, { status: 204 });
      },
    });
    history.replaceState(null, '', '/settings/templates');
    render(<App />);
    const builtins = await screen.findByRole(
      'list',
      { name: 'Built-in templates' },
      // The settings page is a lazily loaded chunk: its first load can take a while on a busy machine.
      slow,
    );
    expect(within(builtins).getByText('Summarize')).toBeTruthy();
    expect(within(builtins).getByText('Read-only')).toBeTruthy();
    expect(within(builtins).queryByRole('button')).toBeNull();
    expect(screen.getByText('No templates of your own yet.')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'New template' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Greeting' } });
    fireEvent.change(screen.getByLabelText('Template text'), {
      target: { value: 'Say hi to {{ person }} in {{lang}}' },
    });
    expect(screen.getByText('Variables: person, lang')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Create template' }));
    await screen.findByRole('button', { name: 'Edit Greeting' }, slow);
    expect(calls.find((c) => c.method === 'POST' && c.path === '/templates')?.body).toEqual({
      name: 'Greeting',
      description: '',
      content: 'Say hi to {{ person }} in {{lang}}',
    });

    fireEvent.click(screen.getByRole('button', { name: 'Edit Greeting' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save template' }));
    await screen.findByRole('button', { name: 'Edit Hello' }, slow);
    expect(calls.find((c) => c.method === 'PATCH')?.body).toMatchObject({ name: 'Hello' });

    fireEvent.click(screen.getByRole('button', { name: 'Delete Hello' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete template' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Edit Hello' })).toBeNull(), slow);
    expect(calls.some((c) => c.method === 'DELETE' && c.path === `/templates/${OWN}`)).toBe(true);
    expect(screen.getByText('No templates of your own yet.')).toBeTruthy();
  });
});
