/**
 * What can answer: the catalogue of the configured providers (GET /models), the provider keys, and the
 * caches that depend on them.
 */
import { type QueryClient, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { activateProviderBody, testProviderBody } from '../../../contracts/src/providers.js';
import { api } from './client';
import { keys } from './keys';
import type { ModelsResponse, ProviderList, TestProviderResult } from './types';

export function useModels() {
  return useQuery({
    queryKey: keys.models(),
    queryFn: () => api<ModelsResponse>('/models'),
    staleTime: 60_000,
  });
}

export function useProviders() {
  return useQuery({ queryKey: keys.providers(), queryFn: () => api<ProviderList>('/providers') });
}

export const activateProvider = (body: z.input<typeof activateProviderBody>) =>
  api<unknown>('/providers/activate', { method: 'POST', body });

export const testProvider = (body: z.input<typeof testProviderBody>) =>
  api<TestProviderResult>('/providers/test', { method: 'POST', body });

export const deleteProvider = (provider: string) => api<void>(`/providers/${provider}`, { method: 'DELETE' });

/**
 * After a key changed: the provider list, and the catalogue, which the server caches per user, so it is asked
 * to look again (on failure the cached one is just marked stale).
 */
export function refreshProviders(qc: QueryClient): void {
  void qc.invalidateQueries({ queryKey: keys.providers() });
  void api<ModelsResponse>('/models?refresh=true').then(
    (m) => qc.setQueryData(keys.models(), m),
    () => qc.invalidateQueries({ queryKey: keys.models() }),
  );
}
