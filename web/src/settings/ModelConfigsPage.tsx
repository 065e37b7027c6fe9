/** Model configurations: a named provider + model + sampling settings, one of them the default. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { keys } from '../api/keys';
import {
  createModelConfig,
  deleteModelConfig,
  updateModelConfig,
  useModelConfigs,
} from '../api/model-configs';
import { useProviders } from '../api/models';
import type { ModelConfig } from '../api/types';
import { MutationForm, SaveOrCancel, TextField } from '../ui/form';
import { Button, ConfirmDialog, Empty, ErrorNote, Field, inputClass, PageTitle, Spinner } from '../ui/ui';

type Form = {
  name: string;
  provider: string;
  model: string;
  system_prompt: string;
  temperature: number;
  max_tokens: number;
  top_p: number;
  frequency_penalty: number;
  presence_penalty: number;
  is_default: boolean;
};

const blank: Form = {
  name: '',
  provider: 'openai',
  model: '',
  system_prompt: '',
  temperature: 0.7,
  max_tokens: 2048,
  top_p: 1,
  frequency_penalty: 0,
  presence_penalty: 0,
  is_default: false,
};

const ranges = [
  ['temperature', 'Temperature', 0, 2, 0.1],
  ['top_p', 'Top P', 0, 1, 0.05],
  ['frequency_penalty', 'Frequency penalty', -2, 2, 0.1],
  ['presence_penalty', 'Presence penalty', -2, 2, 0.1],
] as const;

function toForm(c: ModelConfig): Form {
  const {
    name,
    provider,
    model,
    temperature,
    max_tokens,
    top_p,
    frequency_penalty,
    presence_penalty,
    is_default,
  } = c;
  return {
    name,
    provider,
    model,
    system_prompt: c.system_prompt ?? '',
    temperature,
    max_tokens,
    top_p,
    frequency_penalty,
    presence_penalty,
    is_default,
  };
}

function ConfigForm({ initial, onDone }: { initial: ModelConfig | null; onDone: () => void }) {
  const qc = useQueryClient();
  const providers = useProviders();
  const [f, setF] = useState<Form>(() => (initial ? toForm(initial) : blank));
  const save = useMutation({
    // An emptied prompt is removed (null) on an edit and simply left out of a new configuration.
    mutationFn: () =>
      initial
        ? updateModelConfig(initial.id, { ...f, system_prompt: f.system_prompt || null })
        : createModelConfig({ ...f, system_prompt: f.system_prompt || undefined }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.modelConfigs() });
      onDone();
    },
  });
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setF((p) => ({ ...p, [k]: v }));
  return (
    <MutationForm
      save={save}
      className="space-y-3 rounded-xl border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 className="font-medium">{initial ? `Edit ${initial.name}` : 'New configuration'}</h2>
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="Name" required value={f.name} onValue={(v) => set('name', v)} />
        <Field label="Provider">
          {(id) => (
            <select
              id={id}
              value={f.provider}
              onChange={(e) => set('provider', e.target.value)}
              className={inputClass}
            >
              {(providers.data?.providers ?? [{ provider: f.provider, display_name: f.provider }]).map(
                (p) => (
                  <option key={p.provider} value={p.provider}>
                    {p.display_name}
                  </option>
                ),
              )}
            </select>
          )}
        </Field>
        <TextField
          label="Model"
          hint="e.g. gpt-4o-mini"
          required
          value={f.model}
          onValue={(v) => set('model', v)}
        />
        <Field label="Max tokens">
          {(id) => (
            <input
              id={id}
              type="number"
              min={1}
              max={1_000_000}
              required
              value={f.max_tokens}
              onChange={(e) => set('max_tokens', e.target.valueAsNumber)}
              className={inputClass}
            />
          )}
        </Field>
        {ranges.map(([k, label, min, max, step]) => (
          <Field key={k} label={`${label} (${min} to ${max})`}>
            {(id) => (
              <input
                id={id}
                type="number"
                min={min}
                max={max}
                step={step}
                required
                value={f[k]}
                onChange={(e) => set(k, e.target.valueAsNumber)}
                className={inputClass}
              />
            )}
          </Field>
        ))}
      </div>
      <Field label="System prompt (optional)">
        {(id) => (
          <textarea
            id={id}
            rows={3}
            value={f.system_prompt}
            onChange={(e) => set('system_prompt', e.target.value)}
            className={inputClass}
          />
        )}
      </Field>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={f.is_default} onChange={(e) => set('is_default', e.target.checked)} />
        Use as my default
      </label>
      <SaveOrCancel save={save} onCancel={onDone} />
    </MutationForm>
  );
}

export function ModelConfigsPage() {
  const qc = useQueryClient();
  const list = useModelConfigs();
  const [editing, setEditing] = useState<ModelConfig | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ModelConfig | null>(null);
  const remove = useMutation({
    mutationFn: (id: string) => deleteModelConfig(id),
    onSuccess: () => {
      setDeleting(null);
      void qc.invalidateQueries({ queryKey: keys.modelConfigs() });
    },
  });
  return (
    <section className="space-y-3">
      <PageTitle actions={!editing && <Button onClick={() => setEditing('new')}>New configuration</Button>}>
        Model configurations
      </PageTitle>
      {editing && <ConfigForm initial={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      {list.isPending && <Spinner />}
      {list.isError && <ErrorNote error={list.error} onRetry={() => void list.refetch()} />}
      {list.data?.model_configs.length === 0 && !editing && (
        <Empty>No configurations yet. They save a model with its settings under a name.</Empty>
      )}
      <ul className="space-y-2">
        {list.data?.model_configs.map((c) => (
          <li
            key={c.id}
            className="flex flex-wrap items-center gap-2 rounded-xl border border-zinc-200 p-3 dark:border-zinc-800"
          >
            <span className="min-w-0 flex-1">
              <span className="font-medium">{c.name}</span>{' '}
              {c.is_default && <span className="text-xs text-indigo-600">(default)</span>}
              <span className="block truncate text-xs text-zinc-500">
                {c.provider} · {c.model} · temperature {c.temperature} · max {c.max_tokens} tokens
              </span>
            </span>
            <Button
              variant="secondary"
              className="py-1"
              onClick={() => setEditing(c)}
              aria-label={`Edit ${c.name}`}
            >
              Edit
            </Button>
            <Button
              variant="ghost"
              className="py-1"
              onClick={() => setDeleting(c)}
              aria-label={`Delete ${c.name}`}
            >
              Delete
            </Button>
          </li>
        ))}
      </ul>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          body={
            remove.isError ? <ErrorNote error={remove.error} /> : 'Chats using it fall back to your default.'
          }
          confirmLabel="Delete"
          busy={remove.isPending}
          onConfirm={() => remove.mutate(deleting.id)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
