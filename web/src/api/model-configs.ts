/** The user's model configurations (a provider, a model and its settings, under a name). */
import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { createModelConfigBody, updateModelConfigBody } from '../../../contracts/src/model-configs.js';
import { api } from './client';
import { keys } from './keys';
import type { ModelConfig, ModelConfigList } from './types';

export function useModelConfigs(opts: { staleTime?: number } = {}) {
  return useQuery({
    queryKey: keys.modelConfigs(),
    queryFn: () => api<ModelConfigList>('/model-configs'),
    ...opts,
  });
}

export const createModelConfig = (body: z.input<typeof createModelConfigBody>) =>
  api<ModelConfig>('/model-configs', { method: 'POST', body });

export const updateModelConfig = (id: string, body: z.input<typeof updateModelConfigBody>) =>
  api<ModelConfig>(`/model-configs/${id}`, { method: 'PATCH', body });

export const deleteModelConfig = (id: string) => api<void>(`/model-configs/${id}`, { method: 'DELETE' });
