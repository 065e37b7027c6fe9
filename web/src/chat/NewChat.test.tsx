import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { setTokens } from '../api/client';
import { installFakeApi, json, msg, oneModel, sse, user } from '../test/fake-api';

const CHAT = '00000000-0000-4000-8000-0000000c0001';
// Message ids are uuids: the portal parses the stream with the contracts schemas and drops what they refuse.
const USER_MSG = '00000000-0000-4000-8000-00000000b001';
const ANSWER = '00000000-0000-4000-8000-00000000a001';

afterEach(() => {
  vi.unstubAllGlobals();
  setTokens(null);
  localStorage.clear();
  history.replaceState(null, '', '/');
});

const base = {
  'GET /auth/me': () => json(user()),
  'GET /chats': () => json({ chats: [], next_cursor: null }),
  'GET /model-configs': () => json({ model_configs: [] }),
  'GET /local-models': () => json({ local_models: [] }),
};

describe('New chat', () => {
  it('is a draft: nothing is created until the first message, which creates the chat with it', async () => {
    const { calls } = installFakeApi({
      ...base,
      'GET /models': oneModel,
      'POST /chats/new/messages': () =>
        sse([
          {
            event: 'message.created',
            id: 0,
            data: {
              user_message: msg({ id: USER_MSG, role: 'user', content: 'Hi there' }),
              assistant_message: msg({ id: ANSWER, status: 'streaming' }),
            },
          },
          { event: 'delta', id: 5, data: { content: 'Hello' } },
          { event: 'message.completed', id: 5, data: { message: msg({ id: ANSWER, content: 'Hello' }) } },
        ]),
      [`GET /chats/${CHAT}`]: () =>
        json({
          id: CHAT,
          title: 'Hi there',
          model_config_id: null,
          message_count: 2,
          created_at: '',
          updated_at: '',
          messages: [],
          has_more: false,
        }),
    });
    render(<App />);
    fireEvent.click(await screen.findByRole('button', { name: 'New chat' }));
    fireEvent.click(screen.getByRole('button', { name: 'New chat' }));
    const box = await screen.findByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'Hi there' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    await screen.findByText('Hello');
    await waitFor(() => expect(location.pathname).toBe(`/chats/${CHAT}`));
    expect(screen.getByText('Hi there', { selector: 'h1' })).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/chats/new/messages']);
    expect(calls.find((c) => c.path === '/chats/new/messages')?.body).toMatchObject({
      content: 'Hi there',
      provider: 'openai',
      model: 'gpt-4o-mini',
      stream: true,
    });
  });

  it('with no model says so in plain words, with the way to Settings → Providers, and keeps the text', async () => {
    installFakeApi({
      ...base,
      'GET /models': () =>
        json({ models: [], message: 'x', configured_providers: [], missing_providers: [], errors: [] }),
      'POST /chats/new/messages': () =>
        json(
          {
            error: {
              code: 'no_model_configured',
              message: 'No model… or send `provider` and `model` with the message.',
            },
          },
          400,
        ),
    });
    render(<App />);
    const box = await screen.findByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'Hello?' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Add a provider key to start chatting');
    expect(alert.textContent).not.toContain('`');
    expect(screen.getByRole('link', { name: 'Open Settings → Providers' }).getAttribute('href')).toBe(
      '/settings/providers',
    );
    expect(box).toHaveProperty('value', 'Hello?');
  });
});
