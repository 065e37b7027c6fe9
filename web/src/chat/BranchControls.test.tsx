import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { ShownMessage } from '../api/types';
import { BranchSwitcher, RegenerateMenu } from './BranchControls';
import { Composer } from './Composer';
import { MessageEditor } from './MessageEditor';
import { applyEvent } from './stream-state';

const msg = (over: Partial<ShownMessage> = {}): ShownMessage => ({
  id: 'b',
  chat_id: 'c',
  parent_id: 'p',
  role: 'assistant',
  content: 'hi',
  status: 'completed',
  metadata: {},
  rating: null,
  pinned: false,
  attachments: [],
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('BranchSwitcher', () => {
  it('shows "2 / 3" and switches to the sibling before or after', () => {
    const onSwitch = vi.fn();
    render(
      <BranchSwitcher
        message={msg({ sibling_ids: ['a', 'b', 'c'], sibling_index: 1 })}
        onSwitch={onSwitch}
      />,
    );
    expect(screen.getByText('2 / 3')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Previous version' }));
    fireEvent.click(screen.getByRole('button', { name: 'Next version' }));
    expect(onSwitch.mock.calls).toEqual([['a'], ['c']]);
  });

  it('is not shown for a message without siblings, and cannot go past either end', () => {
    const { container } = render(
      <BranchSwitcher message={msg({ sibling_ids: ['b'] })} onSwitch={() => {}} />,
    );
    expect(container.textContent).toBe('');
    render(
      <BranchSwitcher message={msg({ sibling_ids: ['a', 'b'], sibling_index: 1 })} onSwitch={() => {}} />,
    );
    expect(screen.getByRole('button', { name: 'Next version' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Previous version' })).toHaveProperty('disabled', false);
  });
});

describe('MessageEditor', () => {
  it('sends the new text on Enter (Shift+Enter adds a line) and cancels on Esc', () => {
    const onSubmit = vi.fn();
    const onCancel = vi.fn();
    render(<MessageEditor initial="old" onSubmit={onSubmit} onCancel={onCancel} />);
    const box = screen.getByRole('textbox', { name: 'Edit message' });
    fireEvent.change(box, { target: { value: 'new text' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(onSubmit).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSubmit).toHaveBeenCalledWith('new text');
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});

describe('RegenerateMenu', () => {
  it('regenerates with the same model, or opens the model picker', () => {
    const onRegenerate = vi.fn();
    render(<RegenerateMenu initial={null} onRegenerate={onRegenerate} />);
    fireEvent.click(screen.getByRole('button', { name: 'Regenerate' }));
    expect(onRegenerate).toHaveBeenCalledWith(null);
    const more = screen.getByRole('button', { name: 'Regenerate with another model' });
    expect(more.getAttribute('aria-expanded')).toBe('false');
  });
});

describe('Composer keys', () => {
  it('stops a streaming answer on Esc and edits the last message on ↑ in an empty box', () => {
    const onStop = vi.fn();
    const onEditLast = vi.fn();
    render(
      <Composer
        chatId="keys"
        streaming
        onSend={() => Promise.resolve()}
        onStop={onStop}
        onEditLast={onEditLast}
      />,
    );
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(onStop).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(box, { key: 'ArrowUp' });
    expect(onEditLast).toHaveBeenCalledTimes(1);
    fireEvent.change(box, { target: { value: 'typing' } });
    fireEvent.keyDown(box, { key: 'ArrowUp' });
    expect(onEditLast).toHaveBeenCalledTimes(1);
  });
});

describe('stream state', () => {
  it('keeps what the chat knew of a message’s siblings when the stream sends it again', () => {
    const shown = [msg({ id: 'u', role: 'user', sibling_ids: ['u', 'v'], sibling_index: 0 })];
    const next = applyEvent(
      shown,
      {
        type: 'message.created',
        user_message: msg({ id: 'u', role: 'user' }),
        assistant_message: msg({ id: 'x' }),
        offset: 0,
      },
      'x',
    );
    expect(next.map((m) => [m.id, m.sibling_ids])).toEqual([
      ['u', ['u', 'v']],
      ['x', undefined],
    ]);
  });
});
