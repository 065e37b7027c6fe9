/** Personal API keys for the OpenAI-compatible API (/openai/v1): list, create (the key is shown once), revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { keys } from './keys';
import type { ApiKeyList, CreatedApiKey } from './types';

export type ApiKeyScope = 'chat' | 'models' | 'embeddings';

export function useApiKeys() {
  return useQuery({
    queryKey: keys.apiKeys(),
    queryFn: () => api<ApiKeyList>('/api-keys'),
    select: (body) => body.api_keys,
  });
}

export function useCreateApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; scopes?: ApiKeyScope[]; expires_at?: string }) =>
      api<CreatedApiKey>('/api-keys', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.apiKeys() }),
  });
}

export function useRevokeApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.apiKeys() }),
  });
}
