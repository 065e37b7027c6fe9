import { fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { setTokens } from '../api/client';
import { installFakeApi, json, msg, now, oneModel, sse } from '../test/fake-api';
import { cleanUpSignedIn, signedInMultiUser } from '../test/signed-in';

// A busy machine (lazily loaded pages, streamed answers) can take longer than testing-library's 1 s.
const slow = { timeout: 10_000 };

const CHAT = '00000000-0000-4000-8000-0000000c0001';
const CONFIG = '00000000-0000-4000-8000-0000000e0001';

afterEach(() => {
  vi.unstubAllGlobals();
  setTokens(null);
  cleanUpSignedIn();
});

const chat = (over: Record<string, unknown> = {}) => ({
  id: CHAT,
  title: 'Trip plans',
  model_config_id: null,
  system_prompt: null,
  message_count: 0,
  created_at: now,
  updated_at: now,
  messages: [],
  has_more: false,
  ...over,
});

const config = {
  id: CONFIG,
  name: 'Work',
  provider: 'openai',
  model: 'gpt-work',
  base_url: null,
  has_api_key: false,
  api_key_preview: null,
  local_model_id: null,
  system_prompt: 'Be brief.',
  temperature: 0.7,
  max_tokens: 2048,
  top_p: 1,
  frequency_penalty: 0,
  presence_penalty: 0,
  is_default: false,
  created_at: now,
  updated_at: now,
};

describe('chat settings in the header', () => {
  it("sets the chat's model and system prompt, and the chat then sends with that model", async () => {
    const { calls } = installFakeApi({
      ...signedInMultiUser(),
      'GET /model-configs': () => json({ model_configs: [config] }),
      'GET /models': oneModel,
      [`GET /chats/${CHAT}`]: () => json(chat()),
      [`PATCH /chats/${CHAT}`]: ({ body }) => json({ ...chat(), ...(body as object), messages: undefined }),
      [`POST /chats/${CHAT}/messages`]: () =>
        sse([
          {
            event: 'message.created',
            id: 0,
            data: {
              user_message: msg({ id: '00000000-0000-4000-8000-00000000b001', role: 'user', content: 'Hi' }),
              assistant_message: msg({ status: 'streaming' }),
            },
          },
          { event: 'message.completed', id: 3, data: { message: msg({ content: 'Ahoy' }) } },
        ]),
    });
    history.replaceState(null, '', `/chats/${CHAT}`);
    render(<App />);
    fireEvent.click(await screen.findByRole('button', { name: 'Chat settings' }, slow));
    const dialog = screen.getByRole('dialog', { name: 'Chat settings' });
    const model = within(dialog).getByLabelText('Model');
    await within(dialog).findByRole('option', { name: 'Work (gpt-work)' }, slow);
    fireEvent.change(model, { target: { value: CONFIG } });
    // The configuration's own prompt is what an empty field means.
    expect(within(dialog).getByLabelText('System prompt').getAttribute('placeholder')).toBe('Be brief.');
    fireEvent.change(within(dialog).getByLabelText('System prompt'), {
      target: { value: '  You are a pirate.  ' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Work (gpt-work) · set for this chat', undefined, slow)).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({
      model_config_id: CONFIG,
      system_prompt: 'You are a pirate.',
    });

    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'Hi' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    await screen.findByText('Ahoy', undefined, slow);
    expect(calls.find((c) => c.path === `/chats/${CHAT}/messages`)?.body).toEqual({
      content: 'Hi',
      model_config_id: CONFIG,
      stream: true,
    });

    // Reopened, it shows what is saved; clearing both goes back to the picker.
    fireEvent.click(screen.getByRole('button', { name: 'Chat settings' }));
    const again = screen.getByRole('dialog', { name: 'Chat settings' });
    expect(within(again).getByLabelText('System prompt')).toHaveProperty('value', 'You are a pirate.');
    fireEvent.change(within(again).getByLabelText('Model'), { target: { value: '' } });
    fireEvent.change(within(again).getByLabelText('System prompt'), { target: { value: '' } });
    fireEvent.click(within(again).getByRole('button', { name: 'Save' }));
    await screen.findByRole('combobox', { name: 'Model' }, slow);
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({
      model_config_id: null,
      system_prompt: null,
    });
  });

  it('is not offered on a new chat before its first message', async () => {
    installFakeApi(signedInMultiUser());
    history.replaceState(null, '', '/chats');
    render(<App />);
    await screen.findByRole('textbox', { name: 'Message' }, slow);
    expect(screen.queryByRole('button', { name: 'Chat settings' })).toBeNull();
  });
});
