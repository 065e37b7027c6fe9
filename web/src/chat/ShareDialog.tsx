/** The chat header's Share button and its dialog: make a link (with an expiry), copy it, revoke it. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { keys } from '../api/keys';
import { createShare, revokeShare, type ShareCreated, useShareStatus } from '../api/shares';
import { Button, Dialog, ErrorNote, Field, formatTime, inputClass, Spinner } from '../ui/ui';

const EXPIRIES = [
  ['never', 'Never', undefined],
  ['1d', '1 day', 24 * 3600],
  ['7d', '7 days', 7 * 24 * 3600],
  ['30d', '30 days', 30 * 24 * 3600],
] as const;

function ShareDialog({ chatId, onClose }: { chatId: string; onClose: () => void }) {
  const qc = useQueryClient();
  const closeRef = useRef<HTMLButtonElement>(null);
  const status = useShareStatus(chatId);
  const [expiry, setExpiry] = useState<(typeof EXPIRIES)[number][0]>('never');
  const [created, setCreated] = useState<ShareCreated | null>(null);
  const [copied, setCopied] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: keys.share(chatId) });
  const create = useMutation({
    mutationFn: () => {
      const seconds = EXPIRIES.find((e) => e[0] === expiry)?.[2];
      return createShare(chatId, seconds ? { expires_in_s: seconds } : {});
    },
    onSuccess: (link) => {
      setCreated(link);
      setCopied(false);
      void refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: () => revokeShare(chatId),
    onSuccess: () => {
      setCreated(null);
      void refresh();
    },
  });
  useEffect(() => {
    closeRef.current?.focus();
  }, []);

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.url);
      setCopied(true);
    } catch {
      // No clipboard (an insecure page): the link is selected in its box to copy by hand.
      setCopied(false);
    }
  };
  const live = status.data?.shared ?? false;

  return (
    <Dialog title="Share this chat" onClose={onClose} panelClass="w-full max-w-md space-y-4 rounded-xl">
      <p className="text-sm text-zinc-600 dark:text-zinc-300">
        Anyone with the link sees the chat as it is now (the branch shown), without your name or email.
        Messages you send later are not shown.
      </p>
      {status.isPending && <Spinner label="Checking the link" />}
      {status.isError && <ErrorNote error={status.error} />}
      {created ? (
        <Field label="Link">
          {(id) => (
            <div className="flex gap-2">
              <input
                id={id}
                readOnly
                value={created.url}
                onFocus={(e) => e.currentTarget.select()}
                className={inputClass}
              />
              <Button onClick={() => void copy()}>{copied ? 'Copied' : 'Copy link'}</Button>
            </div>
          )}
        </Field>
      ) : (
        live && (
          <p className="text-sm">
            A link is live
            {status.data?.expires_at ? ` until ${formatTime(status.data.expires_at)}` : ''}. Making a new one
            ends it.
          </p>
        )
      )}
      <Field label="Link expires">
        {(id) => (
          <select
            id={id}
            value={expiry}
            onChange={(e) => setExpiry(e.target.value as typeof expiry)}
            className={inputClass}
          >
            {EXPIRIES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {create.isError && <ErrorNote error={create.error} />}
      {revoke.isError && <ErrorNote error={revoke.error} />}
      <div className="flex flex-wrap justify-end gap-2">
        {(live || created) && (
          <Button variant="danger" disabled={revoke.isPending} onClick={() => revoke.mutate()}>
            Revoke link
          </Button>
        )}
        <Button disabled={create.isPending} onClick={() => create.mutate()}>
          {live || created ? 'New link' : 'Create link'}
        </Button>
        <Button ref={closeRef} variant="secondary" onClick={onClose}>
          Close
        </Button>
      </div>
    </Dialog>
  );
}

/** The header button; the dialog mounts only while open. */
export function ShareButton({ chatId }: { chatId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="ghost" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Share
      </Button>
      {open && <ShareDialog chatId={chatId} onClose={() => setOpen(false)} />}
    </>
  );
}
