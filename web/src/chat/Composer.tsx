/**
 * The message box. Enter sends, Shift+Enter adds a line (not while an IME is composing). The text is saved
 * as a draft on every keystroke and only cleared once the server has accepted the message. A message sent
 * while it cannot go yet (an answer is still being written, the chat is loading, the previous send is on
 * its way) is kept in the box and sent as soon as it can, with a note saying so: no Enter is ever ignored.
 */
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { AttachButton, AttachmentPreviews } from './AttachmentTray';
import { loadDraft, saveDraft } from './drafts';
import { filesOf, type OutgoingAttachments, useAttachments } from './useAttachments';
import { NEW_CHAT } from './useChat';

type Props = {
  chatId: string;
  streaming: boolean;
  disabled?: boolean;
  /** Resolves when accepted; rejects to keep the text (and the attached files) in the box. */
  onSend: (text: string, attachments?: OutgoingAttachments) => Promise<void>;
  onStop: () => void;
  insert?: { text: string; n: number } | null;
  /** ↑ in an empty box: edit the last message the user sent. */
  onEditLast?: () => void;
};

export function Composer({ chatId, streaming, disabled, onSend, onStop, insert, onEditLast }: Props) {
  const [text, setText] = useState(() => loadDraft(chatId));
  const [sending, setSending] = useState(false);
  const [queued, setQueued] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const textRef = useRef(text);
  textRef.current = text;
  const shownFor = useRef(chatId);
  // Pictures and documents for the next message: attach button, drag and drop, paste.
  const files = useAttachments();
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    const before = shownFor.current;
    shownFor.current = chatId;
    if (before === NEW_CHAT && chatId !== NEW_CHAT) {
      // The draft just became this chat: what is being typed now belongs to it.
      saveDraft(chatId, textRef.current);
      saveDraft(NEW_CHAT, '');
    } else if (before !== chatId) {
      setText(loadDraft(chatId));
      files.clear();
    }
    ref.current?.focus();
  }, [chatId, files.clear]);
  useEffect(() => {
    if (insert) {
      setText(insert.text);
      saveDraft(shownFor.current, insert.text);
      ref.current?.focus();
    }
  }, [insert]);
  // Grow with the text up to a limit.
  // biome-ignore lint/correctness/useExhaustiveDependencies: measured again whenever the text changes
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  const waiting = streaming || Boolean(disabled) || sending || files.uploading;

  function change(v: string) {
    setText(v);
    saveDraft(shownFor.current, v);
    if (!v.trim()) setQueued(false);
  }

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    const sent = textRef.current;
    const content = sent.trim();
    if (!content) return;
    if (waiting) {
      setQueued(true);
      return;
    }
    setQueued(false);
    setSending(true);
    setText('');
    const draftId = shownFor.current;
    const attached = files.outgoing;
    try {
      await (attached.ids.length ? onSend(content, attached) : onSend(content));
      files.clear();
      // Cleared only now: a refused message (expired session, no model) keeps its draft.
      if (loadDraft(draftId) === sent) saveDraft(draftId, '');
    } catch {
      setText((current) => current || sent);
    } finally {
      setSending(false);
    }
  }

  // A queued message goes as soon as nothing holds it back.
  // biome-ignore lint/correctness/useExhaustiveDependencies: submit reads the latest text through a ref
  useEffect(() => {
    if (queued && !waiting) void submit();
  }, [queued, waiting]);

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === 'Escape' && streaming) {
      e.preventDefault();
      onStop();
    } else if (e.key === 'ArrowUp' && !text && onEditLast) {
      e.preventDefault();
      onEditLast();
    }
  }

  return (
    <form
      onSubmit={submit}
      className={`space-y-1 rounded-xl ${dragging ? 'outline-2 outline-dashed outline-indigo-500' : ''}`}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        const dropped = filesOf(e.dataTransfer);
        setDragging(false);
        if (!dropped.length) return;
        e.preventDefault();
        files.add(dropped);
      }}
    >
      <AttachmentPreviews items={files.items} onRemove={files.remove} />
      <div className="flex items-end gap-2">
        <AttachButton onFiles={files.add} />
        <textarea
          ref={ref}
          aria-label="Message"
          placeholder="Message PocketLLM…"
          rows={1}
          value={text}
          onChange={(e) => change(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            const pasted = filesOf(e.clipboardData);
            if (!pasted.length) return;
            e.preventDefault();
            files.add(pasted);
          }}
          className="max-h-60 min-h-11 min-w-0 flex-1 resize-none rounded-xl border border-zinc-300 bg-white px-3 py-2.5 text-[15px] focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-zinc-700 dark:bg-zinc-900"
        />
        {streaming && !queued ? (
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
            disabled={!text.trim() || queued || files.uploading}
            className="h-11 rounded-xl bg-indigo-600 px-4 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-40"
          >
            Send
          </button>
        )}
      </div>
      {queued && (
        <p role="status" className="flex items-center gap-2 text-xs text-zinc-500">
          {streaming
            ? 'Sends when this answer is finished.'
            : files.uploading
              ? 'Sends once the files are uploaded…'
              : 'Sending as soon as the chat is ready…'}
          <button type="button" className="underline" onClick={() => setQueued(false)}>
            Don’t send
          </button>
          {streaming && (
            <button type="button" className="underline" onClick={onStop}>
              Stop the answer
            </button>
          )}
        </p>
      )}
    </form>
  );
}
