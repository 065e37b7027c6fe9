/**
 * The message box. Enter sends, Shift+Enter adds a line (not while an IME is composing). The text is saved
 * as a draft on every keystroke and only cleared once the server has accepted the message.
 */
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { loadDraft, saveDraft } from './drafts';

type Props = {
  chatId: string;
  streaming: boolean;
  disabled?: boolean;
  /** Resolves when accepted; rejects to keep the text in the box. */
  onSend: (text: string) => Promise<void>;
  onStop: () => void;
  insert?: { text: string; n: number } | null;
};

export function Composer({ chatId, streaming, disabled, onSend, onStop, insert }: Props) {
  const [text, setText] = useState(() => loadDraft(chatId));
  const ref = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    setText(loadDraft(chatId));
    ref.current?.focus();
  }, [chatId]);
  useEffect(() => {
    if (insert) {
      setText(insert.text);
      saveDraft(chatId, insert.text);
      ref.current?.focus();
    }
  }, [insert, chatId]);
  // Grow with the text up to a limit.
  // biome-ignore lint/correctness/useExhaustiveDependencies: measured again whenever the text changes
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  function change(v: string) {
    setText(v);
    saveDraft(chatId, v);
  }

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    const content = text.trim();
    if (!content || streaming || disabled) return;
    setText('');
    try {
      await onSend(content);
      // Cleared only now: a refused message (expired session, no model) keeps its draft.
      if (loadDraft(chatId) === text) saveDraft(chatId, '');
    } catch {
      setText((current) => current || text);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  }

  return (
    <form onSubmit={submit} className="flex items-end gap-2">
      <textarea
        ref={ref}
        aria-label="Message"
        placeholder="Message PocketLLM…  (Enter to send, Shift+Enter for a new line)"
        rows={1}
        value={text}
        onChange={(e) => change(e.target.value)}
        onKeyDown={onKeyDown}
        className="max-h-60 min-h-11 flex-1 resize-none rounded-xl border border-zinc-300 bg-white px-3 py-2.5 text-[15px] focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-zinc-700 dark:bg-zinc-900"
      />
      {streaming ? (
        <button
          type="button"
          onClick={onStop}
          className="h-11 rounded-xl bg-zinc-800 px-4 text-sm font-medium text-white hover:bg-zinc-700 dark:bg-zinc-200 dark:text-zinc-900"
        >
          Stop
        </button>
      ) : (
        <button
          type="submit"
          disabled={!text.trim() || disabled}
          className="h-11 rounded-xl bg-indigo-600 px-4 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-40"
        >
          Send
        </button>
      )}
    </form>
  );
}
