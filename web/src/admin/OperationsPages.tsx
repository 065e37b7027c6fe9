/** Admin → Audit (who changed what, filtered, paged) and Admin → Status (health, backup and restore). */
import { type FormEvent, useState } from 'react';
import { useAdminStatus, useAudit } from '../api/admin';
import { Button, Empty, ErrorNote, Field, formatTime, inputClass, Spinner } from '../ui/ui';
import { Backup } from './BackupPanel';

const ACTIONS = [
  'user.role_change',
  'user.disable',
  'user.enable',
  'invite.create',
  'invite.revoke',
  'provider.activate',
  'provider.update',
  'provider.delete',
  'local_model.create',
  'local_model.update',
  'local_model.delete',
  'backup.create',
  'restore.stage',
];

/** `<input type="datetime-local">` is local time without a zone; the API wants an instant. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : '');

export function Audit() {
  const [draft, setDraft] = useState({ actor: '', action: '', since: '', until: '' });
  const [filter, setFilter] = useState(draft);
  const query = new URLSearchParams({ limit: '50' });
  if (filter.actor.trim()) query.set('actor', filter.actor.trim());
  if (filter.action) query.set('action', filter.action);
  if (filter.since) query.set('since', toIso(filter.since));
  if (filter.until) query.set('until', toIso(filter.until));
  const list = useAudit(query);
  const set = (k: keyof typeof draft) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [k]: e.target.value });
  const entries = list.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <section className="space-y-4">
      <form
        aria-label="Audit filters"
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          setFilter(draft);
        }}
      >
        <Field label="Actor (email or id)">
          {(id) => (
            <input id={id} value={draft.actor} onChange={set('actor')} className={`${inputClass} w-56`} />
          )}
        </Field>
        <Field label="Action">
          {(id) => (
            <select id={id} value={draft.action} onChange={set('action')} className={`${inputClass} w-48`}>
              <option value="">any</option>
              {ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="From">
          {(id) => (
            <input
              id={id}
              type="datetime-local"
              value={draft.since}
              onChange={set('since')}
              className={inputClass}
            />
          )}
        </Field>
        <Field label="To">
          {(id) => (
            <input
              id={id}
              type="datetime-local"
              value={draft.until}
              onChange={set('until')}
              className={inputClass}
            />
          )}
        </Field>
        <Button type="submit">Filter</Button>
      </form>
      {list.isPending && <Spinner label="Loading the audit log" />}
      {list.isError && <ErrorNote error={list.error} onRetry={() => void list.refetch()} />}
      {list.isSuccess && entries.length === 0 && <Empty>No audit entries match.</Empty>}
      {entries.length > 0 && (
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Audit log</caption>
          <thead className="text-xs text-zinc-500">
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Target</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
            {entries.map((e) => (
              <tr key={e.id} className="align-top">
                <td className="whitespace-nowrap py-1 pr-2">{formatTime(e.created_at)}</td>
                <td className="py-1 pr-2">{e.actor_email ?? e.actor_id ?? 'deleted account'}</td>
                <td className="py-1 pr-2">
                  <code>{e.action}</code>
                </td>
                <td className="py-1 pr-2 text-xs">
                  {e.target_type}
                  {e.target_id && ` ${e.target_id}`}
                </td>
                <td className="break-all py-1 text-xs text-zinc-500">{JSON.stringify(e.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.hasNextPage && (
        <Button variant="ghost" onClick={() => void list.fetchNextPage()}>
          Load more
        </Button>
      )}
    </section>
  );
}

const dotClass = (ok: boolean | null) => (ok === null ? 'bg-zinc-400' : ok ? 'bg-emerald-500' : 'bg-red-500');

function Check({ label, status, detail }: { label: string; status: string; detail?: string | null }) {
  const ok = status === 'ok' ? true : status === 'not_configured' ? null : false;
  return (
    <section className="rounded-xl border border-zinc-200 p-3 dark:border-zinc-800" aria-label={label}>
      <div className="text-xs text-zinc-500">{label}</div>
      <div className="text-lg font-semibold">
        <span aria-hidden="true" className={`mr-1 inline-block h-2.5 w-2.5 rounded-full ${dotClass(ok)}`} />
        {status.replace('_', ' ')}
      </div>
      {detail && <div className="truncate text-xs text-zinc-500">{detail}</div>}
    </section>
  );
}

function uptime(s: number) {
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

export function Status() {
  const s = useAdminStatus({ refetchInterval: 15_000 });
  if (s.isPending) return <Spinner label="Loading status" />;
  if (s.isError) return <ErrorNote error={s.error} onRetry={() => void s.refetch()} />;
  const st = s.data;
  const ms = (v: number | null) => (v === null ? null : `${v} ms`);
  return (
    <section className="space-y-4">
      <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        <Check
          label={`Database (${st.database.engine})`}
          status={st.database.status}
          detail={st.database.error ?? ms(st.database.latency_ms)}
        />
        <Check label="Redis" status={st.redis.status} detail={st.redis.error ?? ms(st.redis.latency_ms)} />
        <Check
          label="Migrations"
          status={st.migrations.pending ? 'pending' : 'ok'}
          detail={`${st.migrations.applied} of ${st.migrations.known} applied`}
        />
        <Check label={`Version ${st.version}`} status="ok" detail={`up ${uptime(st.uptime_seconds)}`} />
      </div>
      <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
        {(
          [
            ['Jobs pending', st.jobs.pending],
            ['Jobs running', st.jobs.processing],
            ['Jobs failed (24 h)', st.jobs.failed_last_24h],
            ['Answers streaming now', st.running_answers],
          ] as const
        ).map(([label, value]) => (
          <div key={label} className="rounded-xl border border-zinc-200 p-3 dark:border-zinc-800">
            <dt className="text-xs text-zinc-500">{label}</dt>
            <dd className="text-lg font-semibold">{value}</dd>
          </div>
        ))}
      </dl>
      <h2 className="font-medium">Providers (last 24 h)</h2>
      {st.providers.length === 0 ? (
        <Empty>No chat requests in the last 24 hours.</Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Providers</caption>
          <thead className="text-xs text-zinc-500">
            <tr>
              <th>Provider</th>
              <th>Requests</th>
              <th>Errors</th>
              <th>Error rate</th>
            </tr>
          </thead>
          <tbody>
            {st.providers.map((p) => (
              <tr key={p.provider}>
                <td>{p.provider}</td>
                <td>{p.requests}</td>
                <td>{p.errors}</td>
                <td>{(p.error_rate * 100).toFixed(1)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 className="font-medium">Local endpoints</h2>
      <p className="text-sm">
        {st.endpoints.healthy} healthy · {st.endpoints.unhealthy} unhealthy · {st.endpoints.unknown} not
        checked yet
      </p>
      {st.endpoints.failing.length > 0 && (
        <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
          {st.endpoints.failing.map((e) => (
            <li key={e.id} className="py-1">
              {e.name} · {e.health_status} · {e.consecutive_failures} failures
              {e.error_message && <span className="text-xs text-zinc-500"> · {e.error_message}</span>}
            </li>
          ))}
        </ul>
      )}
      <h2 className="font-medium">Backup</h2>
      <Backup status={st} />
    </section>
  );
}
