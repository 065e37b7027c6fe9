/**
 * The chats, newest activity first and grouped by day: a search over titles and messages, rename inline,
 * delete with confirmation, more on scroll.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { NavLink, useNavigate, useParams } from 'react-router';
import { deleteChat, renameChat, useChatList } from '../api/chats';
import { keys } from '../api/keys';
import type { ChatSummary } from '../api/types';
import { Icon } from '../ui/icons';
import { Button, ConfirmDialog, ErrorNote, Spinner } from '../ui/ui';
import { ChatFinder } from './ChatFinder';
import { groupChats } from './chat-groups';

/** Router state of a fresh "New chat" draft; its key keeps one window from draft to created chat. */
export function newDraftState(): { draft: string } {
  return { draft: `draft-${Date.now()}-${Math.random().toString(36).slice(2)}` };
}

function SessionItem({
  chat,
  active,
  onNavigate,
}: {
  chat: ChatSummary;
  active: boolean;
  onNavigate?: () => void;
}) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(chat.title ?? '');
  const [confirm, setConfirm] = useState(false);
  const titleInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (editing) titleInput.current?.select();
  }, [editing]);
  const rename = useMutation({
    mutationFn: (t: string) => renameChat(chat.id, t),
    onSuccess: () => {
      setEditing(false);
      void qc.invalidateQueries({ queryKey: keys.chats() });
      void qc.invalidateQueries({ queryKey: keys.chat(chat.id) });
    },
  });
  const remove = useMutation({
    mutationFn: () => deleteChat(chat.id),
    onSuccess: () => {
      setConfirm(false);
      qc.removeQueries({ queryKey: keys.chat(chat.id) });
      void qc.invalidateQueries({ queryKey: keys.chats() });
      if (active) navigate('/chats');
    },
  });
  const name = chat.title || 'New chat';

  if (editing)
    return (
      <li className="px-1 py-1">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (title.trim()) rename.mutate(title.trim());
          }}
          className="flex gap-1"
        >
          <input
            ref={titleInput}
            aria-label="Chat title"
            value={title}
            maxLength={200}
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}
            className="min-w-0 flex-1 rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          />
          <Button type="submit" className="px-2 py-1" disabled={rename.isPending}>
            Save
          </Button>
        </form>
        {rename.isError && <ErrorNote error={rename.error} />}
      </li>
    );
  return (
    <li className="group relative">
      <NavLink
        to={`/chats/${chat.id}`}
        onClick={onNavigate}
        className={({ isActive }) =>
          `block truncate rounded-lg py-2 pr-16 pl-3 text-sm ${isActive ? 'bg-zinc-200 font-medium dark:bg-zinc-800' : 'hover:bg-zinc-100 dark:hover:bg-zinc-900'}`
        }
      >
        {name}
      </NavLink>
      {/* Shown on hover where there is a mouse; always there on touch screens, which have no hover. */}
      <span className="absolute top-1/2 right-1 flex -translate-y-1/2 opacity-100 pointer-fine:opacity-0 pointer-fine:group-focus-within:opacity-100 pointer-fine:group-hover:opacity-100">
        <button
          type="button"
          aria-label={`Rename ${name}`}
          onClick={() => {
            setTitle(chat.title ?? '');
            setEditing(true);
          }}
          className="rounded p-1 text-xs text-zinc-500 hover:bg-zinc-200 dark:hover:bg-zinc-700"
        >
          <Icon name="pencil" />
        </button>
        <button
          type="button"
          aria-label={`Delete ${name}`}
          onClick={() => setConfirm(true)}
          className="rounded p-1 text-xs text-zinc-500 hover:bg-zinc-200 hover:text-red-600 dark:hover:bg-zinc-700"
        >
          <Icon name="trash" />
        </button>
      </span>
      {confirm && (
        <ConfirmDialog
          title="Delete this chat?"
          body={
            <>
              “{name}” and its {chat.message_count} messages will be deleted for good.
              {remove.isError && <ErrorNote error={remove.error} />}
            </>
          }
          confirmLabel="Delete"
          busy={remove.isPending}
          onConfirm={() => remove.mutate()}
          onCancel={() => setConfirm(false)}
        />
      )}
    </li>
  );
}

export function SessionList({ onNavigate }: { onNavigate?: () => void }) {
  const list = useChatList();
  const { chatId } = useParams();
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const [q, setQ] = useState('');

  // Infinite scroll: the next page loads when the end of the list comes into view.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasNextPage || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const search = (
    <input
      type="search"
      aria-label="Search chats"
      placeholder="Search chats…"
      value={q}
      onChange={(e) => setQ(e.target.value)}
      onKeyDown={(e) => e.key === 'Escape' && setQ('')}
      className="mb-1 w-full rounded-lg border border-zinc-300 bg-white px-3 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
    />
  );
  if (list.isPending) return <Spinner label="Loading chats" />;
  if (list.isError) return <ErrorNote error={list.error} onRetry={() => void list.refetch()} />;
  const chats = list.data.pages.flatMap((p) => p.chats);
  if (q.trim())
    return (
      <nav aria-label="Chats" className="min-h-0">
        {search}
        <ChatFinder q={q} chats={chats} onNavigate={onNavigate} />
      </nav>
    );
  return (
    <nav aria-label="Chats" className="min-h-0">
      {chats.length > 0 && search}
      {chats.length === 0 ? (
        <p className="px-3 py-4 text-sm text-zinc-500">No chats yet. Start one with “New chat”.</p>
      ) : (
        groupChats(chats).map((g) => (
          <section key={g.label} aria-label={g.label}>
            <h3 className="px-3 pt-3 pb-1 text-xs font-medium text-zinc-500">{g.label}</h3>
            <ul className="space-y-0.5">
              {g.chats.map((c) => (
                <SessionItem key={c.id} chat={c} active={c.id === chatId} onNavigate={onNavigate} />
              ))}
            </ul>
          </section>
        ))
      )}
      <div ref={sentinel} />
      {hasNextPage && (
        <Button
          variant="ghost"
          className="mt-1 w-full"
          disabled={isFetchingNextPage}
          onClick={() => void fetchNextPage()}
        >
          {isFetchingNextPage ? 'Loading…' : 'Load more'}
        </Button>
      )}
    </nav>
  );
}
