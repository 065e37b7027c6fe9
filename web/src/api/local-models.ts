/**
 * Local endpoints (Ollama, LM Studio, any OpenAI-compatible server). One query, one key: the settings page
 * and the model picker read the same cached list.
 */
import { type QueryClient, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { createLocalModelBody } from '../../../contracts/src/local-models.js';
import { api } from './client';
import { keys } from './keys';
import type { ImportLocalModelsResult, LocalModel, LocalModelList, LocalModelUsage } from './types';

export function useLocalModels<T = LocalModelList>(
  opts: { select?: (list: LocalModelList) => T; staleTime?: number; retry?: boolean } = {},
) {
  return useQuery({
    queryKey: keys.localModels(),
    queryFn: () => api<LocalModelList>('/local-models'),
    ...opts,
  });
}

export function useLocalModelUsage(id: string) {
  return useQuery({
    queryKey: keys.localModelUsage(id),
    queryFn: () => api<LocalModelUsage>(`/local-models/${id}/usage`),
  });
}

export const createLocalModel = (body: z.input<typeof createLocalModelBody>) =>
  api<LocalModel>('/local-models', { method: 'POST', body });

/** `body` is a file the user picked, sent as it is: the server says what it accepts and refuses. */
export const importLocalModels = (body: unknown) =>
  api<ImportLocalModelsResult>('/local-models/import', { method: 'POST', body });

export const checkLocalModel = (id: string) => api<unknown>(`/local-models/${id}/health`, { method: 'POST' });

export const discoverLocalModels = (id: string) =>
  api<unknown>(`/local-models/${id}/models`, { method: 'POST' });

export const deleteLocalModel = (id: string) => api<void>(`/local-models/${id}`, { method: 'DELETE' });

/** An endpoint changed: its list, and the catalogue, which lists what its endpoints serve. */
export function refreshLocalModels(qc: QueryClient): void {
  void qc.invalidateQueries({ queryKey: keys.localModels() });
  void qc.invalidateQueries({ queryKey: keys.models() });
}
