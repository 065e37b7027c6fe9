/** Settings → Import: bring in ChatGPT's conversations.json or a PocketLLM export, with a progress bar. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { jobFinished, useJob } from '../api/images';
import { keys } from '../api/keys';
import { importChats, importProgressOf } from '../api/shares';
import { Button, ErrorNote, Field, inputClass, PageTitle } from '../ui/ui';

function ImportJob({ id }: { id: string }) {
  const qc = useQueryClient();
  const job = useJob(id);
  const status = job.data?.status;
  // Imported chats join the chat list.
  useEffect(() => {
    if (status === 'completed') void qc.invalidateQueries({ queryKey: keys.chats() });
  }, [status, qc]);
  if (job.isError) return <ErrorNote error={job.error} />;
  const progress = importProgressOf(job.data);
  const percent = status === 'completed' ? 100 : (progress?.percent ?? 0);
  if (status === 'failed')
    return (
      <ErrorNote
        error={new Error(`The import failed${job.data?.error_log ? `: ${job.data.error_log}` : '.'}`)}
      />
    );
  return (
    <div className="space-y-2">
      <div
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
        className="h-2 w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div className="h-full bg-indigo-600 transition-all" style={{ width: `${percent}%` }} />
      </div>
      <p role="status" className="text-sm text-zinc-600 dark:text-zinc-300">
        {!jobFinished(job.data)
          ? `${status === 'processing' ? 'Importing' : 'Queued'}… ${Math.round(percent)} %${progress ? ` · ${progress.imported} chats` : ''}`
          : `Done: ${progress?.imported ?? 0} ${progress?.imported === 1 ? 'chat' : 'chats'} imported (${progress?.messages ?? 0} messages)${progress?.skipped ? `, ${progress.skipped} already there` : ''}.`}
      </p>
    </div>
  );
}

export function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: (f: File) => importChats(f),
    onSuccess: (accepted) => setJobId(accepted.job_id),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (file) start.mutate(file);
  };
  return (
    <section>
      <PageTitle>Import chats</PageTitle>
      <p className="mb-4 text-sm text-zinc-600 dark:text-zinc-300">
        From ChatGPT: Settings → Data controls → Export, then pick <code>conversations.json</code> from the
        archive. A PocketLLM export (Profile → Export my data) works too. Importing the same file again adds
        nothing twice.
      </p>
      <form onSubmit={submit} className="space-y-3">
        <Field label="Export file">
          {(id) => (
            <input
              id={id}
              type="file"
              accept=".json,application/json"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
              className={inputClass}
            />
          )}
        </Field>
        <Button type="submit" disabled={!file || start.isPending}>
          {start.isPending ? 'Uploading…' : 'Import'}
        </Button>
      </form>
      <div className="mt-4">
        {start.isError && <ErrorNote error={start.error} />}
        {jobId && <ImportJob key={jobId} id={jobId} />}
      </div>
    </section>
  );
}
