/** Delete the account: typed confirmation (the account's email), then the account is gone and signed out. */
import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { setTokens } from '../api/client';
import { deleteAccount } from '../api/users';
import { useAuth, useUser } from '../auth/auth';
import { Button, Dialog, ErrorNote, inputClass } from '../ui/ui';

export function DeleteAccount() {
  const user = useUser();
  const { signOut } = useAuth();
  const [open, setOpen] = useState(false);
  return (
    <section aria-labelledby="delete-account-title" className="space-y-2">
      <h2 id="delete-account-title" className="text-base font-semibold text-red-700 dark:text-red-400">
        Delete account
      </h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-300">
        Deletes this account with all its chats, files, model configurations, keys and templates. It cannot be
        undone — export your data first if you want to keep it.
      </p>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Delete account…
      </Button>
      {open && (
        <ConfirmDelete
          email={user.email}
          onCancel={() => setOpen(false)}
          onDeleted={async () => {
            // The session went with the account: nothing to log out from on the server.
            setTokens(null);
            await signOut();
          }}
        />
      )}
    </section>
  );
}

function ConfirmDelete({
  email,
  onCancel,
  onDeleted,
}: {
  email: string;
  onCancel: () => void;
  onDeleted: () => Promise<void>;
}) {
  const inputId = useId();
  const [typed, setTyped] = useState('');
  const matches = typed.trim().toLowerCase() === email.toLowerCase();
  const remove = useMutation({ mutationFn: deleteAccount, onSuccess: onDeleted });
  return (
    <Dialog title="Delete your account?" onClose={onCancel}>
      <form
        className="mt-2 space-y-3 text-sm text-zinc-600 dark:text-zinc-300"
        onSubmit={(e) => {
          e.preventDefault();
          if (matches) remove.mutate();
        }}
      >
        <p>Everything this account owns is deleted for good.</p>
        <label htmlFor={inputId} className="block font-medium text-zinc-800 dark:text-zinc-100">
          Type <span className="font-mono">{email}</span> to confirm
        </label>
        <input
          id={inputId}
          // The dialog's one field, focused as it opens (biome's noAutofocus allows it in a dialog).
          autoFocus
          autoComplete="off"
          spellCheck={false}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          className={inputClass}
        />
        {remove.isError && <ErrorNote error={remove.error} />}
        <div className="flex justify-end gap-2 pt-2">
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" disabled={!matches || remove.isPending}>
            {remove.isPending ? 'Deleting…' : 'Delete my account'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
