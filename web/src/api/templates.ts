/** Prompt templates: the list the composer offers and rendering one with its variables. */
import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import { keys } from './keys';
import type { RenderedTemplate, TemplateList } from './types';

export function useTemplates() {
  return useQuery({
    queryKey: keys.templates(),
    queryFn: () => api<TemplateList>('/templates'),
    select: (body) => body.templates,
    staleTime: 300_000,
    retry: false,
  });
}

export const renderTemplate = (id: string, variables: Record<string, string>) =>
  api<RenderedTemplate>(`/templates/${encodeURIComponent(id)}/render`, {
    method: 'POST',
    body: { variables },
  });
