/** Provider keys: which are configured (key shown only as its preview), add/replace/remove, their models. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  activateProvider,
  deleteProvider,
  refreshProviders,
  testProvider,
  useModels,
  useProviders,
} from '../api/models';
import type { ProviderStatus, TestProviderResult } from '../api/types';
import { Button, ConfirmDialog, ErrorNote, Field, inputClass, PageTitle, Spinner } from '../ui/ui';

const TEST_HINTS: Record<string, string> = {
  auth: 'The key was refused — check it was copied whole.',
  unreachable: 'Nothing answered at that address — check the base URL.',
  timeout: 'The provider did not answer in time — try again, or check the base URL.',
};

function TestOutcome({ result }: { result: TestProviderResult }) {
  if (result.ok)
    return (
      <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
        Connected in {result.latency_ms} ms · {result.models.length} models
        {result.models.length > 0 &&
          `: ${result.models.slice(0, 5).join(', ')}${result.models.length > 5 ? '…' : ''}`}
      </p>
    );
  return (
    <p role="alert" className="text-sm text-red-700 dark:text-red-400">
      {TEST_HINTS[result.error?.code ?? ''] ?? 'The provider answered with an error.'}{' '}
      <span className="text-zinc-500">({result.error?.message})</span>
    </p>
  );
}

function ProviderCard({ p, models }: { p: ProviderStatus; models: string[] }) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [key, setKey] = useState('');
  const [baseUrl, setBaseUrl] = useState(p.base_url ?? '');
  const [confirm, setConfirm] = useState(false);
  const refresh = () => refreshProviders(qc);
  const save = useMutation({
    mutationFn: () =>
      activateProvider({
        provider: p.provider,
        ...(key.trim() ? { api_key: key.trim() } : {}),
        ...(baseUrl.trim() ? { base_url: baseUrl.trim() } : {}),
      }),
    onSuccess: () => {
      setEditing(false);
      setKey('');
      refresh();
    },
  });
  // Tries what is typed (or the saved key) without saving; the provider's own answer is shown as it is.
  const check = useMutation({
    mutationFn: () =>
      testProvider({
        provider: p.provider,
        ...(key.trim() ? { api_key: key.trim() } : {}),
        ...(baseUrl.trim() ? { base_url: baseUrl.trim() } : {}),
      }),
  });
  const remove = useMutation({
    mutationFn: () => deleteProvider(p.provider),
    onSuccess: () => {
      setConfirm(false);
      refresh();
    },
  });

  return (
    <li className="rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="font-medium">{p.display_name}</h2>
        {p.configured ? (
          <span className="rounded bg-emerald-100 px-1.5 py-0.5 text-xs text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100">
            configured
          </span>
        ) : (
          <span className="rounded bg-zinc-100 px-1.5 py-0.5 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
            not configured
          </span>
        )}
        <span className="text-xs text-zinc-500">{p.kinds.join(', ')}</span>
        <span className="ml-auto flex gap-1">
          <Button
            variant="secondary"
            className="py-1"
            onClick={() => setEditing(!editing)}
            aria-expanded={editing}
          >
            {p.configured ? `Change ${p.display_name}` : `Add ${p.display_name}`}
          </Button>
          {p.configured && (
            <Button
              variant="ghost"
              className="py-1"
              onClick={() => setConfirm(true)}
              aria-label={`Remove ${p.display_name}`}
            >
              Remove
            </Button>
          )}
        </span>
      </div>
      {p.configured && (
        <p className="mt-1 text-xs text-zinc-500">
          {p.api_key_preview && <>Key {p.api_key_preview} · </>}
          {p.base_url ?? p.default_base_url}
          {models.length > 0 && <> · {models.length} models</>}
        </p>
      )}
      {models.length > 0 && (
        <details className="mt-1 text-xs text-zinc-500">
          <summary className="cursor-pointer">Models</summary>
          <p className="mt-1 break-words">{models.join(', ')}</p>
        </details>
      )}
      {editing && (
        <form
          className="mt-3 space-y-3"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          {p.needs_api_key && (
            <Field
              label={`${p.display_name} API key`}
              hint={p.configured ? 'Leave empty to keep the current key' : undefined}
            >
              {(id) => (
                <input
                  id={id}
                  type="password"
                  autoComplete="off"
                  required={!p.configured}
                  value={key}
                  onChange={(e) => setKey(e.target.value)}
                  className={inputClass}
                />
              )}
            </Field>
          )}
          <Field
            label="Base URL (optional)"
            hint={p.default_base_url ? `Default: ${p.default_base_url}` : undefined}
          >
            {(id) => (
              <input
                id={id}
                type="url"
                value={baseUrl}
                onChange={(e) => setBaseUrl(e.target.value)}
                className={inputClass}
              />
            )}
          </Field>
          {save.isError && <ErrorNote error={save.error} />}
          {check.isError && <ErrorNote error={check.error} />}
          {check.data && <TestOutcome result={check.data} />}
          <div className="flex flex-wrap gap-2">
            <Button type="submit" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save'}
            </Button>
            <Button
              variant="secondary"
              disabled={check.isPending || (p.needs_api_key && !p.configured && !key.trim())}
              onClick={() => check.mutate()}
            >
              {check.isPending ? 'Testing…' : 'Test connection'}
            </Button>
          </div>
        </form>
      )}
      {confirm && (
        <ConfirmDialog
          title={`Remove ${p.display_name}?`}
          body={<>The stored key is deleted. {remove.isError && <ErrorNote error={remove.error} />}</>}
          confirmLabel="Remove"
          busy={remove.isPending}
          onConfirm={() => remove.mutate()}
          onCancel={() => setConfirm(false)}
        />
      )}
    </li>
  );
}

export function ProvidersPage() {
  const providers = useProviders();
  const models = useModels();
  const displayName = (id: string) =>
    providers.data?.providers.find((p) => p.provider === id)?.display_name ?? id;
  const byProvider = (p: string) =>
    (models.data?.models ?? []).filter((m) => m.provider === p).map((m) => m.id);
  return (
    <section>
      <PageTitle>Providers</PageTitle>
      {/* The API's own hint points here ("…in Settings → Providers"); on this page, say what to do here. */}
      {providers.data && !providers.data.providers.some((p) => p.configured) && (
        <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
          Pick a provider below and add its API key to start chatting. Local servers (Ollama, LM Studio…) go
          under Local endpoints.
        </p>
      )}
      {models.data?.errors.map((e) => (
        <p
          key={e.provider}
          role="alert"
          className="mb-2 rounded-lg bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100"
        >
          {displayName(e.provider)} could not list its models — check its key and base URL below.{' '}
          <span className="opacity-75">({e.message})</span>
        </p>
      ))}
      {providers.isPending && <Spinner label="Loading providers" />}
      {providers.isError && <ErrorNote error={providers.error} onRetry={() => void providers.refetch()} />}
      <ul className="space-y-3">
        {providers.data?.providers.map((p) => (
          <ProviderCard key={p.provider} p={p} models={byProvider(p.provider)} />
        ))}
      </ul>
    </section>
  );
}
