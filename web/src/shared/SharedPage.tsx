/** /s/{token}: a shared chat for anyone with the link, signed in or not. Read-only. */
import { lazy, Suspense } from 'react';
import { useParams } from 'react-router';
import { ApiError } from '../api/client';
import { useSharedChat } from '../api/shares';
import { ErrorNote, formatTime, Spinner } from '../ui/ui';

const Markdown = lazy(() => import('../chat/Markdown'));

export default function SharedPage() {
  const { token = '' } = useParams();
  const shared = useSharedChat(token);
  return (
    <div className="min-h-dvh bg-zinc-50 text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
      <main className="mx-auto flex max-w-3xl flex-col gap-3 px-3 py-6">
        {shared.isPending && <Spinner label="Loading the shared chat" />}
        {shared.isError &&
          (shared.error instanceof ApiError && shared.error.status === 404 ? (
            <div role="alert" className="p-8 text-center">
              <h1 className="text-xl font-semibold">This link does not work</h1>
              <p className="mt-2 text-sm text-zinc-500">It was revoked, has expired, or was never valid.</p>
            </div>
          ) : (
            <ErrorNote error={shared.error} onRetry={() => void shared.refetch()} />
          ))}
        {shared.data && (
          <>
            <header className="border-b border-zinc-200 pb-3 dark:border-zinc-800">
              <h1 className="text-xl font-semibold">{shared.data.title || 'Shared chat'}</h1>
              <p className="text-xs text-zinc-500">
                Shared {formatTime(shared.data.shared_at)}
                {shared.data.models.length > 0 && ` · ${shared.data.models.join(', ')}`}
              </p>
            </header>
            <ol className="flex flex-col gap-3" aria-label="Messages">
              {shared.data.messages.map((m, i) => (
                <li
                  // The snapshot has no ids: its order never changes.
                  // biome-ignore lint/suspicious/noArrayIndexKey: a frozen list
                  key={i}
                  className={
                    m.role === 'user'
                      ? 'self-end max-w-[85%] whitespace-pre-wrap rounded-2xl bg-indigo-600 px-3 py-2 text-white'
                      : 'max-w-full rounded-2xl bg-white px-3 py-2 dark:bg-zinc-900'
                  }
                >
                  <span className="sr-only">{m.role === 'user' ? 'User' : 'Assistant'}: </span>
                  {m.role === 'user' ? (
                    m.content
                  ) : (
                    <Suspense fallback={<div className="whitespace-pre-wrap">{m.content}</div>}>
                      <Markdown text={m.content} />
                    </Suspense>
                  )}
                </li>
              ))}
            </ol>
            <footer className="pt-4 text-center text-xs text-zinc-500">
              A read-only copy made with PocketLLM.
            </footer>
          </>
        )}
      </main>
    </div>
  );
}
