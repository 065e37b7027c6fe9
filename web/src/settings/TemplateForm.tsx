/** Create or edit one of the user's prompt templates; the {{variables}} found in the text are shown as typed. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { keys } from '../api/keys';
import { createTemplate, updateTemplate } from '../api/templates';
import type { Template } from '../api/types';
import { MutationForm, SaveOrCancel, TextField } from '../ui/form';
import { Field, inputClass } from '../ui/ui';

// As the server reads them (features/templates/template-render.ts): {{name}} or {{ name }}, identifiers only.
const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The distinct {{variables}} of a template text, in order of first use. */
export function variablesOf(content: string): string[] {
  return [...new Set(Array.from(content.matchAll(VARIABLE), (m) => m[1] ?? ''))].filter(Boolean);
}

export function TemplateForm({ editing, onDone }: { editing: Template | null; onDone: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState(editing?.name ?? '');
  const [description, setDescription] = useState(editing?.description ?? '');
  const [content, setContent] = useState(editing?.content ?? '');
  const vars = variablesOf(content);
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), description: description.trim(), content };
      return editing ? updateTemplate(editing.id, body) : createTemplate(body);
    },
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: keys.templates() });
      onDone();
    },
  });

  return (
    <MutationForm
      save={save}
      className="space-y-3 rounded-xl border border-zinc-200 p-4 dark:border-zinc-800"
      aria-label={editing ? `Edit template ${editing.name}` : 'New template'}
    >
      <TextField label="Name" required maxLength={100} value={name} onValue={setName} />
      <TextField
        label="Description (optional)"
        maxLength={500}
        value={description}
        onValue={setDescription}
      />
      <Field
        label="Template text"
        hint="Write {{name}} where a value goes; you are asked for each one when you use the template."
      >
        {(id) => (
          <textarea
            id={id}
            required
            rows={6}
            maxLength={20_000}
            value={content}
            onChange={(e) => setContent(e.target.value)}
            className={`${inputClass} font-mono`}
          />
        )}
      </Field>
      <p className="text-xs text-zinc-500" aria-live="polite">
        {vars.length === 0 ? 'No variables.' : `Variables: ${vars.join(', ')}`}
      </p>
      <SaveOrCancel save={save} label={editing ? 'Save template' : 'Create template'} onCancel={onDone} />
    </MutationForm>
  );
}
