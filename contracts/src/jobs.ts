import { z } from 'zod';
import { nextCursor, pageQuery, timestamp } from './common.js';

/**
 * pending → processing → completed | failed is the queue's own life cycle; `cancelled` is a pending job the
 * user cancelled, kept apart so that a cancel is not mistaken for a failure.
 */
export const jobStatus = z.enum(['pending', 'processing', 'completed', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof jobStatus>;

export const job = z.object({
  id: z.uuid(),
  job_type: z.string(),
  status: jobStatus,
  input_data: z.record(z.string(), z.unknown()),
  output_data: z.record(z.string(), z.unknown()).nullable(),
  error_log: z.string().nullable(),
  attempts: z.number().int(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type Job = z.infer<typeof job>;

export const jobListQuery = pageQuery.extend({
  status: jobStatus.optional(),
  job_type: z.string().min(1).max(100).optional(),
});
export const jobList = z.object({ jobs: z.array(job), next_cursor: nextCursor });

export const jobWaitQuery = z.object({
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(30)
    .default(0)
    .describe('seconds to wait for a status change (long-poll)'),
});
