/**
 * Prompt templates: picking one asks for its {{variables}} (in the portal's one Dialog: Escape or Cancel
 * closes it), renders it on the server and fills the input.
 */
import { type FormEvent, useId, useState } from 'react';
import { errorMessage } from '../api/errors';
import { renderTemplate, useTemplates } from '../api/templates';
import type { Template } from '../api/types';
import { Button, Dialog, inputClass } from '../ui/ui';

export function templateVariables(content: string): string[] {
  return [...new Set([...content.matchAll(/\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g)].map((m) => m[1] ?? ''))].filter(
    Boolean,
  );
}

export function TemplatePicker({ onInsert }: { onInsert: (text: string) => void }) {
  const id = useId();
  const templates = useTemplates();
  const [picked, setPicked] = useState<Template | null>(null);
  const [vars, setVars] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  if (!templates.data?.length) return null;
  const names = picked ? templateVariables(picked.content) : [];

  async function render(t: Template, variables: Record<string, string>) {
    try {
      const res = await renderTemplate(t.id, variables);
      onInsert(res.prompt);
      setPicked(null);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  function choose(idValue: string) {
    const t = templates.data?.find((x) => x.id === idValue);
    if (!t) return;
    setVars({});
    if (templateVariables(t.content).length === 0) void render(t, {});
    else setPicked(t);
  }

  return (
    <>
      <label htmlFor={id} className="sr-only">
        Template
      </label>
      <select
        id={id}
        value=""
        onChange={(e) => choose(e.target.value)}
        className="min-w-0 max-w-[30vw] rounded-lg border border-zinc-300 bg-white px-2 py-1.5 text-sm sm:max-w-[12rem] dark:border-zinc-700 dark:bg-zinc-900"
      >
        <option value="">Template…</option>
        {templates.data.map((t) => (
          <option key={t.id} value={t.id} title={t.description}>
            {t.name}
          </option>
        ))}
      </select>
      {picked && (
        <Dialog title={picked.name} onClose={() => setPicked(null)}>
          <form
            className="mt-3 space-y-3"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              void render(picked, vars);
            }}
          >
            {picked.description && <p className="text-sm text-zinc-500">{picked.description}</p>}
            {names.map((n) => (
              <label key={n} className="block text-sm">
                {n}
                <input
                  className={`${inputClass} mt-1`}
                  value={vars[n] ?? ''}
                  onChange={(e) => setVars({ ...vars, [n]: e.target.value })}
                />
              </label>
            ))}
            {error && (
              <p role="alert" className="text-sm text-red-600">
                {error}
              </p>
            )}
            <div className="flex justify-end gap-2">
              <Button variant="secondary" onClick={() => setPicked(null)}>
                Cancel
              </Button>
              <Button type="submit">Insert</Button>
            </div>
          </form>
        </Dialog>
      )}
    </>
  );
}
