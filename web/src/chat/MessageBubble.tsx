/** One message: Markdown for answers, time, rating and pin on assistant messages, cached badge, error + retry. */
import { lazy, memo, type ReactNode, Suspense, useState } from 'react';
import { errorMessage } from '../api/errors';
import { pinMessage, rateMessage } from '../api/messages';
import type { Message } from '../api/types';
import { Icon } from '../ui/icons';
import { formatTime } from '../ui/ui';
import { AttachmentList } from './AttachmentList';

const Markdown = lazy(() => import('./Markdown'));

function Plain({ text }: { text: string }) {
  return <div className="whitespace-pre-wrap break-words">{text}</div>;
}

type Props = {
  message: Message;
  streaming: boolean;
  highlighted?: boolean;
  onChange: (id: string, patch: Partial<Message>) => void;
  onRetry?: () => void;
  /** Branch controls (versions, edit, regenerate), shown with the message's facts. */
  tools?: ReactNode;
};

const iconBtn =
  'rounded-md p-1.5 text-zinc-500 hover:bg-zinc-200 hover:text-zinc-900 aria-pressed:text-indigo-600 dark:hover:bg-zinc-800 dark:hover:text-zinc-100 dark:aria-pressed:text-indigo-400';

function MessageBubbleImpl({ message: m, streaming, highlighted, onChange, onRetry, tools }: Props) {
  const [actionError, setActionError] = useState<string | null>(null);
  const isUser = m.role === 'user';
  const error = m.metadata.error;
  const failed = m.status === 'failed' || Boolean(error);

  async function rate(rating: 'up' | 'down') {
    const next = m.rating === rating ? null : rating;
    const prev = m.rating;
    onChange(m.id, { rating: next });
    try {
      await rateMessage(m.id, next);
      setActionError(null);
    } catch (err) {
      onChange(m.id, { rating: prev });
      setActionError(errorMessage(err));
    }
  }
  async function pin() {
    try {
      const res = await pinMessage(m.id, !m.pinned);
      onChange(m.id, { pinned: res.pinned });
      setActionError(null);
    } catch (err) {
      setActionError(errorMessage(err));
    }
  }

  return (
    <article
      id={`msg-${m.id}`}
      aria-label={isUser ? 'Your message' : 'Answer'}
      className={`flex scroll-mt-20 ${isUser ? 'justify-end' : 'justify-start'} [contain-intrinsic-size:auto_120px] [content-visibility:auto]`}
    >
      <div
        className={`max-w-[92%] rounded-2xl px-4 py-2.5 text-[15px] leading-relaxed sm:max-w-[80%] ${
          isUser ? 'bg-indigo-600 text-white' : 'bg-zinc-100 dark:bg-zinc-900'
        } ${highlighted ? 'ring-2 ring-amber-400' : ''}`}
      >
        {m.attachments?.length ? (
          <AttachmentList attachments={m.attachments} local={m.id.startsWith('local-')} />
        ) : null}
        {isUser ? (
          <Plain text={m.content} />
        ) : m.content ? (
          <Suspense fallback={<Plain text={m.content} />}>
            <Markdown text={m.content} />
          </Suspense>
        ) : streaming ? (
          <span className="inline-flex gap-1" role="status" aria-label="Answer is being written">
            <span className="size-1.5 animate-bounce rounded-full bg-zinc-400" />
            <span className="size-1.5 animate-bounce rounded-full bg-zinc-400 [animation-delay:150ms]" />
            <span className="size-1.5 animate-bounce rounded-full bg-zinc-400 [animation-delay:300ms]" />
          </span>
        ) : null}
        {streaming && m.content && (
          <span className="ml-0.5 inline-block h-4 w-1.5 animate-pulse bg-zinc-400 align-middle" />
        )}
        {failed && (
          <div
            role="alert"
            className="mt-2 rounded-lg bg-red-100 p-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
          >
            {error ? errorMessage(error) : 'The answer failed.'}
            {onRetry && (
              <button type="button" onClick={onRetry} className="ml-2 font-medium underline">
                Retry
              </button>
            )}
          </div>
        )}
        {m.status === 'aborted' && <p className="mt-1 text-xs text-zinc-500">Stopped</p>}
        <div
          className={`mt-1 flex flex-wrap items-center gap-1 text-xs ${isUser ? 'text-indigo-100' : 'text-zinc-500'}`}
        >
          <time dateTime={m.created_at}>{formatTime(m.created_at)}</time>
          {m.metadata.cached && (
            <span className="rounded bg-emerald-100 px-1.5 py-0.5 font-medium text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100">
              cached
            </span>
          )}
          {!isUser && m.metadata.model && <span className="truncate">· {m.metadata.model}</span>}
          {tools}
          {!isUser && !streaming && !m.id.startsWith('local-') && (
            <span className="ml-auto flex items-center">
              <button
                type="button"
                className={iconBtn}
                aria-label="Good answer"
                aria-pressed={m.rating === 'up'}
                onClick={() => rate('up')}
              >
                <Icon name="thumbUp" />
              </button>
              <button
                type="button"
                className={iconBtn}
                aria-label="Bad answer"
                aria-pressed={m.rating === 'down'}
                onClick={() => rate('down')}
              >
                <Icon name="thumbDown" />
              </button>
              <button
                type="button"
                className={iconBtn}
                aria-label={m.pinned ? 'Unpin' : 'Pin'}
                aria-pressed={m.pinned}
                onClick={pin}
              >
                <Icon name="pin" className={m.pinned ? 'size-4 fill-current' : 'size-4'} />
              </button>
              <button
                type="button"
                className={iconBtn}
                aria-label="Copy answer"
                onClick={() => void navigator.clipboard?.writeText(m.content)}
              >
                <Icon name="copy" />
              </button>
            </span>
          )}
        </div>
        {actionError && (
          <p role="alert" className="mt-1 text-xs text-red-600">
            {actionError}
          </p>
        )}
      </div>
    </article>
  );
}

export const MessageBubble = memo(MessageBubbleImpl);
