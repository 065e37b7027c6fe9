/** The user's own Ollama / OpenAI-compatible servers: add, health, discover models, usage, import. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { errorMessage } from '../api/errors';
import {
  checkLocalModel,
  createLocalModel,
  deleteLocalModel,
  discoverLocalModels,
  importLocalModels,
  refreshLocalModels,
  useLocalModels,
  useLocalModelUsage,
} from '../api/local-models';
import type { LocalModel } from '../api/types';
import { MutationForm, TextField } from '../ui/form';
import {
  Button,
  ConfirmDialog,
  Empty,
  ErrorNote,
  Field,
  formatTime,
  inputClass,
  PageTitle,
  Spinner,
} from '../ui/ui';

const LineChart = lazy(() => import('../ui/LineChart'));
// The options of the Type select, as the contract names them.
const ENDPOINT_TYPES = ['ollama', 'openai-compatible', 'custom'] as const satisfies readonly EndpointType[];
type EndpointType = LocalModel['endpoint_type'];
const dotClass = { healthy: 'bg-emerald-500', unhealthy: 'bg-red-500', unknown: 'bg-zinc-400' } as const;

function Usage({ id }: { id: string }) {
  const usage = useLocalModelUsage(id);
  if (usage.isPending) return <Spinner label="Loading usage" />;
  if (usage.isError) return <ErrorNote error={usage.error} />;
  const u = usage.data;
  return (
    <div className="mt-2 space-y-2 text-xs text-zinc-600 dark:text-zinc-400">
      <p>
        {u.total_requests} requests · {u.tokens_in} tokens in · {u.tokens_out} out · errors{' '}
        {(u.error_rate * 100).toFixed(1)}% · p95 {u.p95_latency_ms ?? '–'} ms
      </p>
      {u.daily.length > 0 ? (
        <Suspense fallback={<Spinner label="Loading chart" />}>
          <LineChart
            label="Requests per day"
            data={u.daily.map((d) => ({
              date: d.date,
              requests: d.total_requests,
              latency: d.avg_latency_ms ?? 0,
            }))}
            x="date"
            series={[
              { key: 'requests', label: 'Requests' },
              { key: 'latency', label: 'Avg latency (ms)' },
            ]}
          />
        </Suspense>
      ) : (
        <p>No requests yet.</p>
      )}
    </div>
  );
}

function EndpointCard({ e }: { e: LocalModel }) {
  const qc = useQueryClient();
  const [showUsage, setShowUsage] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const refresh = () => refreshLocalModels(qc);
  const check = useMutation({
    mutationFn: () => checkLocalModel(e.id),
    onSettled: refresh,
  });
  const discover = useMutation({
    mutationFn: () => discoverLocalModels(e.id),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => deleteLocalModel(e.id),
    onSuccess: refresh,
  });
  return (
    <li className="rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
      <div className="flex flex-wrap items-center gap-2">
        <span
          className={`size-2.5 rounded-full ${dotClass[e.health_status]}`}
          role="img"
          aria-label={`Health: ${e.health_status}`}
        />
        <h2 className="font-medium">{e.name}</h2>
        <span className="text-xs text-zinc-500">{e.endpoint_type}</span>
        <span className="ml-auto flex flex-wrap gap-1">
          <Button
            variant="secondary"
            className="py-1"
            disabled={check.isPending}
            onClick={() => check.mutate()}
          >
            Check health
          </Button>
          <Button
            variant="secondary"
            className="py-1"
            disabled={discover.isPending}
            onClick={() => discover.mutate()}
          >
            Discover models
          </Button>
          <Button
            variant="ghost"
            className="py-1"
            onClick={() => setShowUsage(!showUsage)}
            aria-expanded={showUsage}
          >
            Usage
          </Button>
          <Button
            variant="ghost"
            className="py-1"
            onClick={() => setConfirm(true)}
            aria-label={`Delete ${e.name}`}
          >
            Delete
          </Button>
        </span>
      </div>
      <p className="mt-1 break-all text-xs text-zinc-500">
        {e.base_url} · {e.health_status}
        {e.response_time_ms !== null && ` in ${e.response_time_ms} ms`}
        {e.last_health_check && ` · checked ${formatTime(e.last_health_check)}`}
      </p>
      {e.error_message && <p className="mt-1 text-xs text-red-600">{e.error_message}</p>}
      <p className="mt-1 text-xs">
        {e.available_models.length ? e.available_models.join(', ') : 'No models found yet.'}
      </p>
      {(check.isError || discover.isError) && <ErrorNote error={check.error ?? discover.error} />}
      {showUsage && <Usage id={e.id} />}
      {confirm && (
        <ConfirmDialog
          title={`Delete ${e.name}?`}
          body={remove.isError ? <ErrorNote error={remove.error} /> : 'Its usage history stays in the logs.'}
          confirmLabel="Delete"
          busy={remove.isPending}
          onConfirm={() => remove.mutate()}
          onCancel={() => setConfirm(false)}
        />
      )}
    </li>
  );
}

export function LocalModelsPage() {
  const qc = useQueryClient();
  const list = useLocalModels();
  const [f, setF] = useState<{
    name: string;
    base_url: string;
    api_key: string;
    endpoint_type: EndpointType;
  }>({
    name: '',
    base_url: 'http://localhost:11434',
    api_key: '',
    endpoint_type: 'ollama',
  });
  const [importMsg, setImportMsg] = useState<string | null>(null);
  const refresh = () => refreshLocalModels(qc);
  const add = useMutation({
    mutationFn: () =>
      createLocalModel({
        name: f.name,
        base_url: f.base_url,
        endpoint_type: f.endpoint_type,
        ...(f.api_key ? { api_key: f.api_key } : {}),
      }),
    onSuccess: () => {
      setF({ ...f, name: '', api_key: '' });
      refresh();
    },
  });
  async function importFile(file: File) {
    setImportMsg(null);
    try {
      const body: unknown = JSON.parse(await file.text());
      const res = await importLocalModels(body);
      setImportMsg(
        `Imported ${res.created.length}; refused ${res.refused.length}${res.refused.length ? `: ${res.refused.map((r) => `${r.name ?? '?'} (${r.reason})`).join(', ')}` : ''}`,
      );
      refresh();
    } catch (err) {
      setImportMsg(`Import failed: ${errorMessage(err)}`);
    }
  }
  return (
    <section className="space-y-4">
      <PageTitle>Local endpoints</PageTitle>
      <MutationForm
        save={add}
        className="grid gap-3 rounded-xl border border-zinc-200 p-4 sm:grid-cols-2 dark:border-zinc-800"
      >
        <TextField label="Name" required value={f.name} onValue={(name) => setF({ ...f, name })} />
        <TextField
          label="Base URL"
          required
          value={f.base_url}
          onValue={(base_url) => setF({ ...f, base_url })}
        />
        <Field label="Type">
          {(id) => (
            <select
              id={id}
              value={f.endpoint_type}
              onChange={(e) =>
                setF({
                  ...f,
                  endpoint_type: ENDPOINT_TYPES.find((t) => t === e.target.value) ?? f.endpoint_type,
                })
              }
              className={inputClass}
            >
              <option value="ollama">Ollama</option>
              <option value="openai-compatible">OpenAI-compatible</option>
              <option value="custom">Custom</option>
            </select>
          )}
        </Field>
        <TextField
          label="API key (optional)"
          type="password"
          autoComplete="off"
          value={f.api_key}
          onValue={(api_key) => setF({ ...f, api_key })}
        />
        {add.isError && (
          <div className="sm:col-span-2">
            <ErrorNote error={add.error} />
          </div>
        )}
        <div className="flex flex-wrap items-center gap-3 sm:col-span-2">
          <Button type="submit" disabled={add.isPending}>
            {add.isPending ? 'Adding…' : 'Add endpoint'}
          </Button>
          <label className="cursor-pointer text-sm text-indigo-600 underline dark:text-indigo-400">
            Import a browser export file
            <input
              type="file"
              accept="application/json,.json"
              className="sr-only"
              onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])}
            />
          </label>
        </div>
        {importMsg && (
          <p role="status" className="text-sm sm:col-span-2">
            {importMsg}
          </p>
        )}
      </MutationForm>
      {list.isPending && <Spinner />}
      {list.isError && <ErrorNote error={list.error} onRetry={() => void list.refetch()} />}
      {list.data?.local_models.length === 0 && (
        <Empty>No local endpoints. Add your Ollama or LM Studio server above.</Empty>
      )}
      <ul className="space-y-3">
        {list.data?.local_models.map((e) => (
          <EndpointCard key={e.id} e={e} />
        ))}
      </ul>
    </section>
  );
}
