/** Admin → Status → Backup: download an archive of the embedded database and files, or stage a restore. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { downloadBackup, stageRestore } from '../api/admin';
import { keys } from '../api/keys';
import type { AdminStatus } from '../api/types';
import { Button, ErrorNote, Field, Spinner } from '../ui/ui';

export function Backup({ status }: { status: AdminStatus }) {
  const qc = useQueryClient();
  const [link, setLink] = useState<{ url: string; name: string } | null>(null);
  const download = useMutation({
    mutationFn: async () => {
      const { blob, name } = await downloadBackup();
      return { url: URL.createObjectURL(blob), name };
    },
    onSuccess: (l) => {
      setLink(l);
      const a = document.createElement('a');
      a.href = l.url;
      a.download = l.name;
      a.click();
    },
  });
  const restore = useMutation({
    mutationFn: (file: File) => stageRestore(file),
    onSettled: () => void qc.invalidateQueries({ queryKey: keys.admin.status() }),
  });
  if (!status.backup.supported) {
    return (
      <p className="text-sm text-zinc-500">
        This installation runs on PostgreSQL: back it up with <code>pg_dump</code> and the files directory
        (see the README).
      </p>
    );
  }
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <Button onClick={() => download.mutate()} disabled={download.isPending}>
          {download.isPending ? 'Preparing backup…' : 'Download backup'}
        </Button>
        {link && (
          <a className="text-sm underline" href={link.url} download={link.name}>
            {link.name}
          </a>
        )}
      </div>
      {download.isError && <ErrorNote error={download.error} />}
      <Field label="Restore from a backup file">
        {(id) => (
          <input
            id={id}
            type="file"
            accept=".gz,application/gzip"
            className="text-sm"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) restore.mutate(file);
            }}
          />
        )}
      </Field>
      {restore.isPending && <Spinner label="Checking the backup" />}
      {restore.isError && <ErrorNote error={restore.error} />}
      {restore.isSuccess && <p role="status">{restore.data.message}</p>}
      {status.backup.restore_pending && !restore.isSuccess && (
        <p role="status">A checked backup is staged: restart PocketLLM to restore it.</p>
      )}
    </div>
  );
}
