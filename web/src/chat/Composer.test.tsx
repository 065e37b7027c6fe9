import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { Composer } from './Composer';
import { loadDraft } from './drafts';

const chatId = 'c1';

describe('Composer', () => {
  it('sends on Enter, adds a line on Shift+Enter, and clears the draft once accepted', async () => {
    const onSend = vi.fn(() => Promise.resolve());
    render(<Composer chatId={chatId} streaming={false} onSend={onSend} onStop={() => undefined} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'hello' } });
    expect(loadDraft(chatId)).toBe('hello');
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('hello');
    await waitFor(() => expect(loadDraft(chatId)).toBe(''));
    expect(box).toHaveProperty('value', '');
  });

  it('keeps the text and its draft when the message is refused (expired session, no model)', async () => {
    const onSend = vi.fn(() => Promise.reject(new Error('401')));
    render(<Composer chatId={chatId} streaming={false} onSend={onSend} onStop={() => undefined} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'do not lose me' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(box).toHaveProperty('value', 'do not lose me'));
    expect(loadDraft(chatId)).toBe('do not lose me');
  });

  it('restores the draft of the chat on mount and shows Stop while an answer streams', () => {
    localStorage.setItem(`pocketllm.draft.${chatId}`, 'half-typed');
    const onStop = vi.fn();
    render(<Composer chatId={chatId} streaming onSend={() => Promise.resolve()} onStop={onStop} />);
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveProperty('value', 'half-typed');
    expect(screen.queryByRole('button', { name: 'Send' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    expect(onStop).toHaveBeenCalled();
  });
});
