/** Files: uploads for attachments, and a sent attachment's bytes as an object URL for its thumbnail. */
import { useQuery } from '@tanstack/react-query';
import type { FileInfo } from '../../../contracts/src/files.js';
import { api, apiFetch } from './client';
import { keys } from './keys';

export type { FileInfo };

export function uploadFile(file: File, signal?: AbortSignal): Promise<FileInfo> {
  const form = new FormData();
  form.append('file', file, file.name);
  return api<FileInfo>('/files', { method: 'POST', body: form, ...(signal ? { signal } : {}) });
}

/** A private file through the authenticated API (an <img> cannot send the bearer token itself). */
async function objectUrlOf(id: string): Promise<string> {
  const res = await apiFetch(`/files/${id}`);
  return URL.createObjectURL(await res.blob());
}

/** The object URL of a stored picture, fetched once per session (pictures do not change). */
export function useFilePreview(id: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.file(id),
    queryFn: () => objectUrlOf(id),
    enabled,
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
}
