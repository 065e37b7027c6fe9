/** Every pinned message across the user's chats: which chat it is in, a jump to its place there, and unpin. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { keys } from '../api/keys';
import { pinMessage, usePinned } from '../api/messages';
import type { PinnedMessage, PinnedMessageList } from '../api/types';
import { Icon } from '../ui/icons';
import { Button, Empty, ErrorNote, formatTime, PageTitle, Spinner } from '../ui/ui';

function PinnedItem({ m }: { m: PinnedMessage }) {
  const qc = useQueryClient();
  const unpin = useMutation({
    mutationFn: () => pinMessage(m.id, false),
    onSuccess: () => {
      qc.setQueryData<PinnedMessageList>(keys.pinned(), (old) =>
        old ? { ...old, messages: old.messages.filter((x) => x.id !== m.id) } : old,
      );
      // The chat shows its pin state too.
      void qc.invalidateQueries({ queryKey: keys.chat(m.chat_id) });
    },
  });
  const title = m.chat_title || 'Untitled chat';
  // The same address a search hit jumps to: the chat opens scrolled to the message, highlighted.
  const to = `/chats/${m.chat_id}?m=${m.id}`;
  return (
    <li className="rounded-xl border border-zinc-200 p-3 dark:border-zinc-800">
      <div className="mb-1 flex flex-wrap items-center gap-x-2 text-xs text-zinc-500">
        <Link
          to={to}
          className="min-w-0 truncate font-medium text-zinc-700 hover:underline dark:text-zinc-300"
        >
          {title}
        </Link>
        <span>{formatTime(m.created_at)}</span>
      </div>
      <Link to={to} className="block rounded-lg hover:bg-zinc-50 dark:hover:bg-zinc-900">
        <span className="line-clamp-4 whitespace-pre-wrap text-sm">{m.content}</span>
      </Link>
      <div className="mt-2 flex flex-wrap gap-2">
        <Link
          to={to}
          aria-label={`Open in “${title}”`}
          className="rounded-lg border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
        >
          Open in chat
        </Link>
        <Button variant="ghost" disabled={unpin.isPending} onClick={() => unpin.mutate()}>
          <Icon name="pin" /> Unpin
        </Button>
      </div>
      {unpin.isError && <ErrorNote error={unpin.error} />}
    </li>
  );
}

export function PinnedPage() {
  const pinned = usePinned();
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-3xl p-4">
        <PageTitle>Pinned messages</PageTitle>
        {pinned.isPending && <Spinner />}
        {pinned.isError && <ErrorNote error={pinned.error} onRetry={() => void pinned.refetch()} />}
        {pinned.data?.messages.length === 0 && (
          <Empty>
            Nothing pinned yet. Pin an answer with its pin button to find it here.{' '}
            <Link to="/chats" className="text-indigo-600 underline dark:text-indigo-400">
              Go to your chats
            </Link>
          </Empty>
        )}
        <ul className="space-y-2">
          {pinned.data?.messages.map((m) => (
            <PinnedItem key={m.id} m={m} />
          ))}
        </ul>
      </div>
    </div>
  );
}
