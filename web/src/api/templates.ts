/** Prompt templates: the list the composer offers, rendering one with its variables, and the user's own. */
import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { createTemplateBody, updateTemplateBody } from '../../../contracts/src/templates.js';
import { api } from './client';
import { keys } from './keys';
import type { RenderedTemplate, Template, TemplateList } from './types';

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

export const createTemplate = (body: z.input<typeof createTemplateBody>) =>
  api<Template>('/templates', { method: 'POST', body });

export const updateTemplate = (id: string, body: z.input<typeof updateTemplateBody>) =>
  api<Template>(`/templates/${encodeURIComponent(id)}`, { method: 'PATCH', body });

export const deleteTemplate = (id: string) =>
  api<void>(`/templates/${encodeURIComponent(id)}`, { method: 'DELETE' });
