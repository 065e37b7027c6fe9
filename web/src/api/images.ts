/** Image generation: starting a job, following it, and the gallery of finished ones. */
import { useQuery } from '@tanstack/react-query';
import type { ImageGenerationBody } from '../../../contracts/src/images.js';
import { api } from './client';
import { keys } from './keys';
import type { ImageJobAccepted, Job, JobList } from './types';

/** A job that will not change any more. */
export const jobFinished = (j: Job | undefined) =>
  j !== undefined && ['completed', 'failed', 'cancelled'].includes(j.status);

/** One job, polled every second until it has finished. */
export function useJob(id: string) {
  return useQuery({
    queryKey: keys.job(id),
    queryFn: () => api<Job>(`/jobs/${id}`),
    refetchInterval: (q) => (jobFinished(q.state.data) ? false : 1000),
  });
}

/** The last 24 completed jobs (the gallery keeps those with images). */
export function useImageJobs() {
  return useQuery({
    queryKey: keys.imageJobs(),
    queryFn: () => api<JobList>('/jobs?limit=24&status=completed'),
  });
}

export const generateImage = (body: ImageGenerationBody) =>
  api<ImageJobAccepted>('/images/generations', { method: 'POST', body });
