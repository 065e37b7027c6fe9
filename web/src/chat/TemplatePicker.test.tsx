import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi, json, now } from '../test/fake-api';
import { TemplatePicker } from './TemplatePicker';

afterEach(() => {
  vi.unstubAllGlobals();
});

const GREET = '00000000-0000-4000-8000-0000000f0002';
const template = (over: Record<string, unknown>) => ({
  description: '',
  builtin: false,
  created_at: now,
  updated_at: now,
  ...over,
});

describe('TemplatePicker', () => {
  it('asks for the variables in a dialog that Escape and Cancel close, then inserts the rendered prompt', async () => {
    const { calls } = installFakeApi({
      'GET /templates': () =>
        json({
          templates: [
            template({ id: 'builtin:hi', name: 'Hi', content: 'Hi there', variables: [] }),
            template({
              id: GREET,
              name: 'Greet',
              description: 'Says hello',
              content: 'Hello {{name}}',
              variables: ['name'],
            }),
          ],
        }),
      'POST /templates/builtin%3Ahi/render': () => json({ prompt: 'Hi there' }),
      [`POST /templates/${GREET}/render`]: ({ body }) =>
        json({ prompt: `Hello ${(body as { variables: { name: string } }).variables.name}` }),
    });
    const onInsert = vi.fn();
    render(
      <QueryClientProvider client={new QueryClient()}>
        <TemplatePicker onInsert={onInsert} />
      </QueryClientProvider>,
    );
    const select = await screen.findByLabelText('Template');

    // Without variables it is rendered and inserted at once.
    fireEvent.change(select, { target: { value: 'builtin:hi' } });
    await waitFor(() => expect(onInsert).toHaveBeenCalledWith('Hi there'));
    expect(screen.queryByRole('dialog')).toBeNull();

    fireEvent.change(select, { target: { value: GREET } });
    expect(within(screen.getByRole('dialog', { name: 'Greet' })).getByText('Says hello')).toBeTruthy();
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();

    fireEvent.change(select, { target: { value: GREET } });
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();

    fireEvent.change(select, { target: { value: GREET } });
    const dialog = screen.getByRole('dialog', { name: 'Greet' });
    fireEvent.change(within(dialog).getByLabelText('name'), { target: { value: 'Ada' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Insert' }));
    await waitFor(() => expect(onInsert).toHaveBeenLastCalledWith('Hello Ada'));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([
      { variables: {} },
      { variables: { name: 'Ada' } },
    ]);
  });
});
