/** A user message edited in place: Enter sends the new version, Shift+Enter adds a line, Esc cancels. */
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';

export function MessageEditor({
  initial,
  onSubmit,
  onCancel,
}: {
  initial: string;
  onSubmit: (text: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(initial);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const submit = () => {
    const content = text.trim();
    if (content) onSubmit(content);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    }
  };
  return (
    <div className="flex justify-end">
      <div className="w-full max-w-[92%] space-y-2 sm:max-w-[80%]">
        <textarea
          ref={ref}
          aria-label="Edit message"
          value={text}
          rows={Math.min(8, Math.max(2, text.split('\n').length))}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          className="w-full resize-none rounded-xl border border-indigo-400 bg-white px-3 py-2 text-[15px] focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:bg-zinc-900"
        />
        <div className="flex justify-end gap-2 text-sm">
          <button
            type="button"
            className="rounded-lg px-3 py-1.5 hover:bg-zinc-100 dark:hover:bg-zinc-800"
            onClick={onCancel}
          >
            Cancel
          </button>
          <button
            type="button"
            className="rounded-lg bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-500 disabled:opacity-40"
            disabled={!text.trim()}
            onClick={submit}
          >
            Send
          </button>
        </div>
      </div>
    </div>
  );
}
