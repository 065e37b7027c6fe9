/** The sidebar's search: chats whose title matches, then messages that match (jumping to the message). */
import { useEffect, useState } from 'react';
import { NavLink } from 'react-router';
import { useGlobalSearch } from '../api/chats';
import type { ChatSummary } from '../api/types';
import { ErrorNote } from '../ui/ui';
import { matchTitle } from './chat-groups';
import { Highlighted } from './SearchBar';

const heading = 'px-3 pt-3 pb-1 text-xs font-medium text-zinc-500';

export function ChatFinder({
  q,
  chats,
  onNavigate,
}: {
  q: string;
  chats: ChatSummary[];
  onNavigate?: () => void;
}) {
  const [debounced, setDebounced] = useState(q.trim());
  useEffect(() => {
    const t = setTimeout(() => setDebounced(q.trim()), 250);
    return () => clearTimeout(t);
  }, [q]);
  const hits = useGlobalSearch(debounced, 10);
  const titled = chats.filter((c) => matchTitle(c.title, q));
  return (
    <div>
      <h3 className={heading}>Chats</h3>
      {titled.length === 0 ? (
        <p className="px-3 py-1 text-sm text-zinc-500">No chat title matches.</p>
      ) : (
        <ul aria-label="Chats matching" className="space-y-0.5">
          {titled.map((c) => (
            <li key={c.id}>
              <NavLink
                to={`/chats/${c.id}`}
                onClick={onNavigate}
                className="block truncate rounded-lg px-3 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-900"
              >
                {c.title || 'New chat'}
              </NavLink>
            </li>
          ))}
        </ul>
      )}
      <h3 className={heading}>Messages</h3>
      {hits.isError && <ErrorNote error={hits.error} />}
      {(hits.isPending || debounced !== q.trim()) && debounced.length > 0 && !hits.data && (
        <p className="px-3 py-1 text-sm text-zinc-500">Searching…</p>
      )}
      {hits.data && hits.data.results.length === 0 && (
        <p className="px-3 py-1 text-sm text-zinc-500">No message matches.</p>
      )}
      {hits.data && hits.data.results.length > 0 && (
        <ul aria-label="Messages matching" className="space-y-0.5">
          {hits.data.results.map((h) => (
            <li key={h.message_id}>
              <NavLink
                to={`/chats/${h.chat_id}?m=${h.message_id}`}
                onClick={onNavigate}
                className="block rounded-lg px-3 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-900"
              >
                <span className="block truncate text-xs text-zinc-500">{h.chat_title || 'New chat'}</span>
                <span className="line-clamp-2">
                  <Highlighted snippet={h.snippet || h.content} />
                </span>
              </NavLink>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
