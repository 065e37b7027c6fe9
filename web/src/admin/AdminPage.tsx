/** Admin: users (role, disable), invites (create, copy, revoke), waitlist, metrics charts, audit, status. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, lazy, Suspense, useState } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import {
  createInvite,
  revokeInvite,
  updateUser,
  useAdminUsers,
  useInvites,
  useMetrics,
  useWaitlist,
} from '../api/admin';
import { keys } from '../api/keys';
import { useUser } from '../auth/auth';
import { TabStrip } from '../ui/TabStrip';
import { Button, Empty, ErrorNote, Field, formatTime, inputClass, PageTitle, Spinner } from '../ui/ui';
import { metricsSeries } from './metrics-series';
import { Audit, Status } from './OperationsPages';

const LineChart = lazy(() => import('../ui/LineChart'));

function Users() {
  const qc = useQueryClient();
  const me = useUser();
  const users = useAdminUsers();
  const patch = useMutation({
    mutationFn: ({ id, body }: { id: string; body: { role?: 'user' | 'admin'; disabled?: boolean } }) =>
      updateUser(id, body),
    onSettled: () => void qc.invalidateQueries({ queryKey: keys.admin.users() }),
  });
  if (users.isPending) return <Spinner label="Loading users" />;
  if (users.isError) return <ErrorNote error={users.error} onRetry={() => void users.refetch()} />;
  const all = users.data.pages.flatMap((p) => p.users);
  return (
    <section>
      {patch.isError && <ErrorNote error={patch.error} />}
      <ul className="divide-y divide-zinc-200 dark:divide-zinc-800">
        {all.map((u) => (
          <li key={u.id} className="flex flex-wrap items-center gap-2 py-2">
            <span className="min-w-0 flex-1">
              <span className="block truncate text-sm font-medium">
                {u.full_name || u.email}
                {u.id === me.id && <span className="ml-1 font-normal text-zinc-500">(you)</span>}
                {u.disabled && <span className="ml-1 font-normal text-red-600">· disabled</span>}
              </span>
              <span className="block truncate text-xs text-zinc-500">
                {u.email} · joined {formatTime(u.created_at)}
                {u.last_login_at && ` · last seen ${formatTime(u.last_login_at)}`}
              </span>
            </span>
            {u.id === me.id ? (
              // Your own row offers nothing that would lock you out (the server also keeps a last admin).
              <span className="text-xs text-zinc-500">
                {u.role} · you can’t change your own role or disable yourself
              </span>
            ) : (
              <>
                <select
                  aria-label={`Role of ${u.email}`}
                  value={u.role}
                  onChange={(e) =>
                    patch.mutate({ id: u.id, body: { role: e.target.value === 'admin' ? 'admin' : 'user' } })
                  }
                  className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
                >
                  <option value="user">user</option>
                  <option value="admin">admin</option>
                </select>
                <Button
                  variant={u.disabled ? 'secondary' : 'ghost'}
                  className="py-1"
                  aria-label={u.disabled ? `Enable ${u.email}` : `Disable ${u.email}`}
                  onClick={() => patch.mutate({ id: u.id, body: { disabled: !u.disabled } })}
                >
                  {u.disabled ? 'Enable' : 'Disable'}
                </Button>
              </>
            )}
          </li>
        ))}
      </ul>
      {users.hasNextPage && (
        <Button variant="ghost" onClick={() => void users.fetchNextPage()}>
          Load more
        </Button>
      )}
    </section>
  );
}

function Invites() {
  const qc = useQueryClient();
  const [maxUses, setMaxUses] = useState(1);
  const [copied, setCopied] = useState<string | null>(null);
  const invites = useInvites();
  const create = useMutation({
    mutationFn: () => createInvite(maxUses),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.admin.invites() }),
  });
  const revoke = useMutation({
    mutationFn: (code: string) => revokeInvite(code),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.admin.invites() }),
  });
  const copy = (code: string) => {
    const link = `${location.origin}/register?invite=${encodeURIComponent(code)}`;
    void navigator.clipboard?.writeText(link).then(() => setCopied(code));
  };
  return (
    <section className="space-y-4">
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Field label="Uses">
          {(id) => (
            <input
              id={id}
              type="number"
              min={1}
              max={10000}
              value={maxUses}
              onChange={(e) => setMaxUses(e.target.valueAsNumber || 1)}
              className={`${inputClass} w-24`}
            />
          )}
        </Field>
        <Button type="submit" disabled={create.isPending}>
          Create invite
        </Button>
      </form>
      {create.isError && <ErrorNote error={create.error} />}
      {invites.isPending && <Spinner />}
      {invites.isError && <ErrorNote error={invites.error} />}
      {invites.data?.invites.length === 0 && <Empty>No invites.</Empty>}
      <ul className="divide-y divide-zinc-200 dark:divide-zinc-800">
        {invites.data?.invites.map((i) => (
          <li key={i.code} className="flex flex-wrap items-center gap-2 py-2">
            <code
              className="rounded bg-zinc-100 px-2 py-1 text-sm dark:bg-zinc-800"
              data-testid="invite-code"
            >
              {i.code}
            </code>
            <span className="flex-1 text-xs text-zinc-500">
              {i.uses}/{i.max_uses} used{i.expires_at && ` · expires ${formatTime(i.expires_at)}`}
            </span>
            <Button variant="secondary" className="py-1" onClick={() => copy(i.code)}>
              {copied === i.code ? 'Copied' : 'Copy link'}
            </Button>
            <Button
              variant="ghost"
              className="py-1"
              aria-label={`Revoke ${i.code}`}
              onClick={() => revoke.mutate(i.code)}
            >
              Revoke
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Waitlist() {
  const list = useWaitlist();
  if (list.isPending) return <Spinner />;
  if (list.isError) return <ErrorNote error={list.error} />;
  if (list.data.entries.length === 0) return <Empty>Nobody on the waitlist.</Empty>;
  return (
    <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
      {list.data.entries.map((e) => (
        <li key={e.id} className="py-2">
          {e.email} {e.name && `· ${e.name}`}{' '}
          <span className="text-xs text-zinc-500">
            · {e.source ?? 'direct'} · {formatTime(e.created_at)}
          </span>
        </li>
      ))}
    </ul>
  );
}

function Metrics() {
  const m = useMetrics({ refetchInterval: 30_000 });
  if (m.isPending) return <Spinner />;
  if (m.isError) return <ErrorNote error={m.error} />;
  const r = m.data;
  const series = metricsSeries(r);
  const stat = (label: string, value: string) => (
    <div className="rounded-xl border border-zinc-200 p-3 dark:border-zinc-800">
      <div className="text-xs text-zinc-500">{label}</div>
      <div className="text-lg font-semibold">{value}</div>
    </div>
  );
  return (
    <section className="space-y-4">
      <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        {stat('Requests', String(r.total_requests))}
        {stat('p95 latency', `${Math.round(r.p95_latency_ms)} ms`)}
        {stat('Cache hit rate', `${(r.cache_hit_rate * 100).toFixed(1)}%`)}
        {stat('Errors', String(r.error_count))}
      </div>
      <Suspense fallback={<Spinner label="Loading charts" />}>
        <h2 className="font-medium">Requests (last 24 h)</h2>
        <LineChart
          label="Requests per hour"
          data={series}
          x="t"
          series={[{ key: 'requests', label: 'Requests' }]}
        />
        <h2 className="font-medium">Latency p95 (ms)</h2>
        <LineChart
          label="Latency p95 per hour"
          data={series}
          x="t"
          unit=" ms"
          series={[{ key: 'p95', label: 'p95 latency' }]}
        />
        <h2 className="font-medium">Cache hit rate (%)</h2>
        <LineChart
          label="Cache hit rate per hour"
          data={series}
          x="t"
          unit="%"
          domain={[0, 100]}
          series={[{ key: 'hit', label: 'Cache hits' }]}
        />
      </Suspense>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Per provider</caption>
        <thead className="text-xs text-zinc-500">
          <tr>
            <th>Provider</th>
            <th>Requests</th>
            <th>p95 ms</th>
            <th>Errors</th>
          </tr>
        </thead>
        <tbody>
          {r.by_provider.map((p) => (
            <tr key={p.provider}>
              <td>{p.provider}</td>
              <td>{p.requests}</td>
              <td>{Math.round(p.p95_latency_ms)}</td>
              <td>{p.errors}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const tabs = [
  ['users', 'Users'],
  ['invites', 'Invites'],
  ['waitlist', 'Waitlist'],
  ['metrics', 'Metrics'],
  ['audit', 'Audit'],
  ['status', 'Status'],
] as const;

export default function AdminPage() {
  const me = useUser();
  if (me.role !== 'admin') return <Navigate to="/chats" replace />;
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-4xl p-4">
        <PageTitle>Admin</PageTitle>
        <TabStrip label="Admin" base="/admin" tabs={tabs} />
        <Routes>
          <Route index element={<Navigate to="users" replace />} />
          <Route path="users" element={<Users />} />
          <Route path="invites" element={<Invites />} />
          <Route path="waitlist" element={<Waitlist />} />
          <Route path="metrics" element={<Metrics />} />
          <Route path="audit" element={<Audit />} />
          <Route path="status" element={<Status />} />
        </Routes>
      </div>
    </div>
  );
}
