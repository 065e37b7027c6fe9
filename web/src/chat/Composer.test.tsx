import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { Composer } from './Composer';
import { loadDraft, saveDraft } from './drafts';
import { NEW_CHAT } from './useChat';

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

  it('never ignores an Enter: a message sent while an answer streams is kept and sent when it ends', async () => {
    const onSend = vi.fn(() => Promise.resolve());
    const props = { chatId: 'c2', onSend, onStop: () => undefined };
    const { rerender } = render(<Composer {...props} streaming />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'next question' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    expect(box).toHaveProperty('value', 'next question');
    expect(screen.getByRole('status').textContent).toContain('Sends when this answer is finished');
    rerender(<Composer {...props} streaming={false} />);
    await waitFor(() => expect(onSend).toHaveBeenCalledWith('next question'));
    await waitFor(() => expect(box).toHaveProperty('value', ''));
  });

  it('queues while the chat is still loading, and a second Enter during a send waits for it', async () => {
    let accept: () => void = () => undefined;
    const onSend = vi.fn(
      () =>
        new Promise<void>((r) => {
          accept = r;
        }),
    );
    const props = { chatId: 'c3', streaming: false, onSend, onStop: () => undefined };
    const { rerender } = render(<Composer {...props} disabled />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'first' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    rerender(<Composer {...props} />);
    await waitFor(() => expect(onSend).toHaveBeenCalledTimes(1));
    fireEvent.change(box, { target: { value: 'second' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledTimes(1);
    accept();
    await waitFor(() => expect(onSend).toHaveBeenCalledTimes(2));
    expect(onSend).toHaveBeenLastCalledWith('second');
  });

  it('carries what is typed from the draft to the chat its first message created', async () => {
    saveDraft(NEW_CHAT, '');
    const props = { streaming: false, onSend: () => Promise.resolve(), onStop: () => undefined };
    const { rerender } = render(<Composer {...props} chatId={NEW_CHAT} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'typed meanwhile' } });
    rerender(<Composer {...props} chatId="c4" />);
    expect(box).toHaveProperty('value', 'typed meanwhile');
    expect(loadDraft('c4')).toBe('typed meanwhile');
    expect(loadDraft(NEW_CHAT)).toBe('');
  });
});
