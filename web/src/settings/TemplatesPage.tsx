/** Settings → Templates: the built-in templates (read-only) and the user's own (create, edit, delete). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { keys } from '../api/keys';
import { deleteTemplate, useTemplates } from '../api/templates';
import type { Template } from '../api/types';
import { Button, ConfirmDialog, Empty, ErrorNote, PageTitle, Spinner } from '../ui/ui';
import { TemplateForm } from './TemplateForm';

export function TemplatesPage() {
  const qc = useQueryClient();
  const templates = useTemplates();
  // null: no form; 'new': the create form; a template: its edit form.
  const [form, setForm] = useState<Template | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Template | null>(null);
  const remove = useMutation({
    mutationFn: (t: Template) => deleteTemplate(t.id),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: keys.templates() });
      setDeleting(null);
    },
  });
  const all = templates.data ?? [];
  const own = all.filter((t) => !t.builtin);
  const builtin = all.filter((t) => t.builtin);

  return (
    <section className="space-y-6">
      <PageTitle
        actions={
          form === null && (
            <Button onClick={() => setForm('new')} disabled={templates.isPending}>
              New template
            </Button>
          )
        }
      >
        Templates
      </PageTitle>
      <p className="text-sm text-zinc-500">
        Templates are prompts you reuse from the chat’s Template menu. A {'{{variable}}'} in one is asked for
        when you use it.
      </p>
      {form === 'new' && <TemplateForm editing={null} onDone={() => setForm(null)} />}
      {templates.isPending && <Spinner label="Loading templates" />}
      {templates.isError && <ErrorNote error={templates.error} onRetry={() => void templates.refetch()} />}
      {templates.data && (
        <>
          <div className="space-y-2">
            <h2 className="text-base font-semibold">My templates</h2>
            {own.length === 0 && form !== 'new' && <Empty>No templates of your own yet.</Empty>}
            <ul className="space-y-2">
              {own.map((t) =>
                form !== 'new' && form?.id === t.id ? (
                  <li key={t.id}>
                    <TemplateForm editing={t} onDone={() => setForm(null)} />
                  </li>
                ) : (
                  <TemplateRow key={t.id} t={t}>
                    <Button variant="secondary" onClick={() => setForm(t)} aria-label={`Edit ${t.name}`}>
                      Edit
                    </Button>
                    <Button variant="ghost" onClick={() => setDeleting(t)} aria-label={`Delete ${t.name}`}>
                      Delete
                    </Button>
                  </TemplateRow>
                ),
              )}
            </ul>
          </div>
          <div className="space-y-2">
            <h2 className="text-base font-semibold">Built-in</h2>
            <ul className="space-y-2" aria-label="Built-in templates">
              {builtin.map((t) => (
                <TemplateRow key={t.id} t={t}>
                  <span className="text-xs text-zinc-500">Read-only</span>
                </TemplateRow>
              ))}
            </ul>
          </div>
        </>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete “${deleting.name}”?`}
          body={remove.isError ? <ErrorNote error={remove.error} /> : 'The template is gone for good.'}
          confirmLabel="Delete template"
          busy={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onCancel={() => {
            remove.reset();
            setDeleting(null);
          }}
        />
      )}
    </section>
  );
}

function TemplateRow({ t, children }: { t: Template; children: ReactNode }) {
  return (
    <li className="rounded-xl border border-zinc-200 p-3 dark:border-zinc-800">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0 flex-1">
          <p className="font-medium">{t.name}</p>
          {t.description && <p className="text-sm text-zinc-500">{t.description}</p>}
        </div>
        <div className="flex shrink-0 items-center gap-1">{children}</div>
      </div>
      <p className="mt-2 line-clamp-3 whitespace-pre-wrap break-words font-mono text-xs text-zinc-600 dark:text-zinc-400">
        {t.content}
      </p>
      {t.variables.length > 0 && (
        <p className="mt-1 flex flex-wrap gap-1">
          {t.variables.map((v) => (
            <span
              key={v}
              className="rounded bg-indigo-50 px-1.5 py-0.5 text-xs text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300"
            >
              {`{{${v}}}`}
            </span>
          ))}
        </p>
      )}
    </li>
  );
}
