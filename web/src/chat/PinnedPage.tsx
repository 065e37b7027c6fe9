/** Every pinned message across the user's chats, each linking back to its place in the chat. */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { Message } from '../api/types';
import { Empty, ErrorNote, formatTime, PageTitle, Spinner } from '../ui/ui';

export function PinnedPage() {
  const pinned = useQuery({
    queryKey: ['pinned'],
    queryFn: () => api<{ messages: Message[] }>('/messages/pinned'),
  });
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-3xl p-4">
        <PageTitle>Pinned messages</PageTitle>
        {pinned.isPending && <Spinner />}
        {pinned.isError && <ErrorNote error={pinned.error} onRetry={() => void pinned.refetch()} />}
        {pinned.data?.messages.length === 0 && (
          <Empty>Nothing pinned yet. Pin an answer with its pin button to find it here.</Empty>
        )}
        <ul className="space-y-2">
          {pinned.data?.messages.map((m) => (
            <li key={m.id}>
              <Link
                to={`/chats/${m.chat_id}?m=${m.id}`}
                className="block rounded-xl border border-zinc-200 p-3 hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-900"
              >
                <span className="mb-1 block text-xs text-zinc-500">{formatTime(m.created_at)}</span>
                <span className="line-clamp-4 whitespace-pre-wrap text-sm">{m.content}</span>
              </Link>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
