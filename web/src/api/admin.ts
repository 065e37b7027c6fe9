/** Admin: users, invites, the waitlist, metrics, the audit log, status, backup and restore. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { adminUpdateUserBody } from '../../../contracts/src/accounts.js';
import { api, apiFetch } from './client';
import { keys, paged } from './keys';
import type {
  AdminStatus,
  AdminUser,
  AdminUserList,
  AuditList,
  Invite,
  InviteList,
  MetricsReport,
  RestoreStaged,
  WaitlistList,
} from './types';

export function useAdminUsers() {
  return useInfiniteQuery({
    queryKey: keys.admin.users(),
    queryFn: ({ pageParam }) => api<AdminUserList>(paged('/admin/users?limit=100', pageParam)),
    initialPageParam: '',
    getNextPageParam: (l) => l.next_cursor ?? undefined,
  });
}

export const updateUser = (id: string, body: z.input<typeof adminUpdateUserBody>) =>
  api<AdminUser>(`/admin/users/${id}`, { method: 'PATCH', body });

export function useInvites() {
  return useQuery({ queryKey: keys.admin.invites(), queryFn: () => api<InviteList>('/admin/invites') });
}

export const createInvite = (maxUses: number) =>
  api<Invite>('/admin/invites', { method: 'POST', body: { max_uses: maxUses } });

export const revokeInvite = (code: string) =>
  api<void>(`/admin/invites/${encodeURIComponent(code)}`, { method: 'DELETE' });

export function useWaitlist() {
  return useQuery({
    queryKey: keys.admin.waitlist(),
    queryFn: () => api<WaitlistList>('/admin/waitlist?limit=200'),
  });
}

export function useMetrics(opts: { refetchInterval?: number } = {}) {
  return useQuery({ queryKey: keys.admin.metrics(), queryFn: () => api<MetricsReport>('/metrics'), ...opts });
}

/** The audit log under `filter` (a query string of actor, action, since, until), 50 a page. */
export function useAudit(filter: URLSearchParams) {
  const base = `/admin/audit?${filter}`;
  return useInfiniteQuery({
    queryKey: keys.admin.audit(filter.toString()),
    queryFn: ({ pageParam }) => api<AuditList>(paged(base, pageParam)),
    initialPageParam: '',
    getNextPageParam: (l) => l.next_cursor ?? undefined,
  });
}

export function useAdminStatus(opts: { refetchInterval?: number } = {}) {
  return useQuery({
    queryKey: keys.admin.status(),
    queryFn: () => api<AdminStatus>('/admin/status'),
    ...opts,
  });
}

/** A backup archive to download, named as the server names it. */
export async function downloadBackup(): Promise<{ blob: Blob; name: string }> {
  const res = await apiFetch('/admin/backup', { method: 'POST' });
  const name =
    /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'backup.tar.gz';
  return { blob: await res.blob(), name };
}

export const stageRestore = (file: File) =>
  api<RestoreStaged>('/admin/restore', {
    method: 'POST',
    body: file,
    headers: { 'content-type': 'application/gzip' },
  });
