/** Search in this chat or across all chats; hits show the matched words in bold and jump to the message. */
import { useEffect, useId, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useSearch } from '../api/chats';
import { ErrorNote, formatTime } from '../ui/ui';

/** The snippet marks hits with <b>…</b>; everything else is text, so it is never parsed as HTML. */
export function Highlighted({ snippet }: { snippet: string }) {
  const parts = snippet.split(/<b>(.*?)<\/b>/gs);
  return (
    <>
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts never reorder
          <mark key={i} className="rounded bg-amber-200 px-0.5 text-inherit dark:bg-amber-700">
            {p}
          </mark>
        ) : (
          p
        ),
      )}
    </>
  );
}

export function SearchBar({ chatId }: { chatId?: string }) {
  const id = useId();
  const [q, setQ] = useState('');
  const [debounced, setDebounced] = useState('');
  const [scope, setScope] = useState<'chat' | 'all'>(chatId ? 'chat' : 'all');
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  const box = useRef<HTMLElement>(null);

  useEffect(() => {
    const t = setTimeout(() => setDebounced(q.trim()), 250);
    return () => clearTimeout(t);
  }, [q]);
  useEffect(() => {
    const close = (e: MouseEvent) => {
      if (box.current && e.target instanceof Node && !box.current.contains(e.target)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, []);

  const inChat = scope === 'chat' && chatId;
  const results = useSearch(debounced, inChat ? chatId : null);

  return (
    <search ref={box} className="relative flex items-center gap-1">
      <label htmlFor={id} className="sr-only">
        Search messages
      </label>
      <input
        id={id}
        type="search"
        placeholder="Search…"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
        className="w-24 rounded-lg border border-zinc-300 bg-white px-2 py-1.5 text-sm focus:w-44 sm:w-44 sm:focus:w-60 dark:border-zinc-700 dark:bg-zinc-900"
      />
      {chatId && (
        // On a phone the scope appears once a search is under way: beside the box it left the title no room.
        <select
          aria-label="Search scope"
          value={scope}
          onChange={(e) => setScope(e.target.value === 'all' ? 'all' : 'chat')}
          className={`${open || q ? '' : 'hidden'} rounded-lg border border-zinc-300 bg-white px-1 py-1.5 text-sm sm:block dark:border-zinc-700 dark:bg-zinc-900`}
        >
          <option value="chat">This chat</option>
          <option value="all">All chats</option>
        </select>
      )}
      {open && debounced && (
        <div className="absolute top-full right-0 z-40 mt-1 max-h-[60vh] w-[min(24rem,calc(100vw-1.5rem))] overflow-y-auto rounded-xl border border-zinc-200 bg-white p-1 shadow-lg dark:border-zinc-800 dark:bg-zinc-900">
          {results.isPending && <p className="p-3 text-sm text-zinc-500">Searching…</p>}
          {results.isError && <ErrorNote error={results.error} />}
          {results.data && results.data.results.length === 0 && (
            <p className="p-3 text-sm text-zinc-500">No messages match “{debounced}”.</p>
          )}
          {results.data && results.data.results.length > 0 && (
            <ul aria-label="Search results">
              {results.data.results.map((r) => (
                <li key={r.message_id}>
                  <button
                    type="button"
                    className="w-full rounded-lg p-2 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
                    onClick={() => {
                      setOpen(false);
                      navigate(`/chats/${r.chat_id ?? chatId}?m=${r.message_id}`);
                    }}
                  >
                    <span className="mb-0.5 block text-xs text-zinc-500">
                      {r.role === 'user' ? 'You' : 'Answer'} · {formatTime(r.created_at)}
                      {r.chat_title ? ` · ${r.chat_title}` : ''}
                    </span>
                    <span className="line-clamp-3">
                      <Highlighted snippet={r.snippet || r.content} />
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </search>
  );
}
