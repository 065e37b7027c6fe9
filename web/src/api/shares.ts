/** Share links of a chat, the public shared view, and importing chats (ChatGPT or PocketLLM exports). */
import { useQuery } from '@tanstack/react-query';
import type {
  CreateShareBody,
  ImportAccepted,
  ImportProgress,
  ShareCreated,
  SharedChat,
  ShareStatus,
} from '../../../contracts/src/shares.js';
import { api, isRecord } from './client';
import { keys } from './keys';
import type { Job } from './types';

export type { ImportProgress, ShareCreated, SharedChat, ShareStatus };

export function useShareStatus(chatId: string) {
  return useQuery({
    queryKey: keys.share(chatId),
    queryFn: () => api<ShareStatus>(`/chats/${chatId}/share`),
  });
}

export const createShare = (chatId: string, body: CreateShareBody) =>
  api<ShareCreated>(`/chats/${chatId}/share`, { method: 'POST', body });

export const revokeShare = (chatId: string) => api<void>(`/chats/${chatId}/share`, { method: 'DELETE' });

/** A shared chat as a signed-out visitor sees it (no token needed). */
export function useSharedChat(token: string) {
  return useQuery({
    queryKey: keys.shared(token),
    queryFn: () => api<SharedChat>(`/shared/${encodeURIComponent(token)}`),
  });
}

/** Uploads an export; the import runs as a job (follow it with useJob). */
export function importChats(file: File): Promise<ImportAccepted> {
  const form = new FormData();
  form.append('file', file);
  return api<ImportAccepted>('/chats/import', { method: 'POST', body: form });
}

/** An import job's progress, when its output has one. */
export function importProgressOf(job: Job | undefined): ImportProgress | null {
  const o = job?.output_data;
  if (!isRecord(o) || typeof o.percent !== 'number') return null;
  return o as ImportProgress;
}
