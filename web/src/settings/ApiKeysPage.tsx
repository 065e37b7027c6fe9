/** Settings → API keys: personal keys for the OpenAI-compatible API; a new key is shown once, to copy. */
import { type FormEvent, useState } from 'react';
import { type ApiKeyScope, useApiKeys, useCreateApiKey, useRevokeApiKey } from '../api/api-keys';
import type { ApiKey, CreatedApiKey } from '../api/types';
import { Button, ConfirmDialog, Empty, ErrorNote, Field, inputClass, PageTitle, Spinner } from '../ui/ui';
import { ApiKeyExamples } from './ApiKeyExamples';

const SCOPES: [ApiKeyScope, string][] = [
  ['chat', 'Chat'],
  ['models', 'Models'],
  ['embeddings', 'Embeddings'],
];

const day = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString() : '—');
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never');

function CreateForm({ onCreated }: { onCreated: (key: CreatedApiKey) => void }) {
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['chat', 'models', 'embeddings']);
  const [expires, setExpires] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      {
        name: name.trim(),
        scopes,
        ...(expires ? { expires_at: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      },
      {
        onSuccess: (key) => {
          setName('');
          onCreated(key);
        },
      },
    );
  };
  return (
    <form onSubmit={submit} className="space-y-3 rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
      <Field label="Key name" hint="Where you will use it, e.g. “editor” or “notebook”.">
        {(id) => (
          <input
            id={id}
            className={inputClass}
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
          />
        )}
      </Field>
      <fieldset className="flex flex-wrap gap-3 text-sm">
        <legend className="mb-1 text-sm font-medium">Scopes</legend>
        {SCOPES.map(([scope, label]) => (
          <label key={scope} className="flex items-center gap-1.5">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) =>
                setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))
              }
            />
            {label}
          </label>
        ))}
      </fieldset>
      <Field label="Expires on (optional)">
        {(id) => (
          <input
            id={id}
            type="date"
            className={inputClass}
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
          />
        )}
      </Field>
      {create.error && <ErrorNote error={create.error} />}
      <Button type="submit" disabled={!name.trim() || scopes.length === 0 || create.isPending}>
        Create key
      </Button>
    </form>
  );
}

function NewKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(created.key);
    setCopied(true);
  };
  return (
    <div
      role="status"
      className="space-y-2 rounded-xl border border-amber-300 bg-amber-50 p-4 dark:border-amber-700 dark:bg-amber-950"
    >
      <p className="text-sm font-medium">Copy the key “{created.name}” now: it is shown only this once.</p>
      <div className="flex gap-2">
        <input
          aria-label="New API key"
          readOnly
          value={created.key}
          className={`${inputClass} font-mono`}
          onFocus={(e) => e.target.select()}
        />
        <Button variant="secondary" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
      <Button variant="ghost" onClick={onDone}>
        Done
      </Button>
    </div>
  );
}

function KeyRow({ k, onRevoke }: { k: ApiKey; onRevoke: () => void }) {
  return (
    <li className="flex flex-wrap items-center justify-between gap-2 py-3">
      <div className="min-w-0">
        <p className="font-medium">{k.name}</p>
        <p className="text-xs text-zinc-500">
          <code>{k.prefix}…</code> · {k.scopes.join(', ')} · created {day(k.created_at)} · expires{' '}
          {day(k.expires_at)} · last used {when(k.last_used_at)}
        </p>
      </div>
      <Button variant="secondary" onClick={onRevoke} aria-label={`Revoke ${k.name}`}>
        Revoke
      </Button>
    </li>
  );
}

export function ApiKeysPage() {
  const list = useApiKeys();
  const revoke = useRevokeApiKey();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  return (
    <div className="space-y-4">
      <PageTitle>API keys</PageTitle>
      <p className="text-sm text-zinc-600 dark:text-zinc-300">
        Personal keys let your own tools (editors, scripts, notebooks) use your models, keys, local endpoints
        and cache through PocketLLM’s OpenAI-compatible API.
      </p>
      {created ? (
        <NewKey created={created} onDone={() => setCreated(null)} />
      ) : (
        <CreateForm onCreated={setCreated} />
      )}
      {list.isPending ? (
        <Spinner />
      ) : list.error ? (
        <ErrorNote error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <Empty>No API keys yet.</Empty>
      ) : (
        <ul aria-label="Your API keys" className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {list.data.map((k) => (
            <KeyRow key={k.id} k={k} onRevoke={() => setRevoking(k)} />
          ))}
        </ul>
      )}
      <ApiKeyExamples apiKey={created?.key ?? null} />
      {revoking && (
        <ConfirmDialog
          title="Revoke this key?"
          body={`“${revoking.name}” stops working at once, everywhere.`}
          confirmLabel="Revoke"
          busy={revoke.isPending}
          onCancel={() => setRevoking(null)}
          onConfirm={() => revoke.mutate(revoking.id, { onSettled: () => setRevoking(null) })}
        />
      )}
    </div>
  );
}
