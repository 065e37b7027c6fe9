import type { Job } from '@pocketllm/contracts';
import type { Db } from '../../db/client.js';
import { AppError, notFound } from '../../errors.js';
import type { JobRow, JobStatus } from '../../job-queue/jobs.repository.js';
import * as repo from '../../job-queue/jobs.repository.js';
import { JOB_UPDATED, type JobQueue } from '../../job-queue/queue.js';
import { decodeIdCursor, page } from '../../lib/cursor.js';
import type { EventBus } from '../../lib/event-bus.js';

const FINAL: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export function createJobsService(deps: { db: Db; bus: EventBus; queue: JobQueue }) {
  const { db, bus, queue } = deps;

  const toJob = (row: JobRow): Job => {
    const present = queue.presenterOf(row.jobType);
    return {
      id: row.id,
      job_type: row.jobType,
      status: row.status,
      input_data: row.inputData,
      output_data: row.outputData && present ? present(row.outputData, row) : (row.outputData ?? null),
      error_log: row.errorLog,
      attempts: row.attempts,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
    };
  };

  return {
    async list(userId: string, q: { status?: JobStatus; job_type?: string; limit: number; cursor?: string }) {
      const beforeId = q.cursor ? decodeIdCursor(q.cursor) : undefined;
      const rows = await repo.listJobs(db, userId, {
        limit: q.limit,
        ...(q.status ? { status: q.status } : {}),
        ...(q.job_type ? { jobType: q.job_type } : {}),
        ...(beforeId ? { beforeId } : {}),
      });
      const { items, nextCursor } = page(rows, q.limit, (r) => [r.id]);
      return { jobs: items.map(toJob), next_cursor: nextCursor };
    },

    /**
     * One of the caller's jobs. With `waitS` > 0 and the job still pending or processing, answers as soon
     * as its status changes (told by the bus, so across instances too) or when the wait runs out.
     * @throws not_found for a missing job or another user's
     */
    async get(userId: string, id: string, waitS = 0, abort?: AbortSignal): Promise<Job> {
      if (waitS <= 0) {
        const row = await repo.findJob(db, userId, id);
        if (!row) throw notFound('Job');
        return toJob(row);
      }
      let signalChange: () => void = () => {};
      let changed = new Promise<void>((resolve) => {
        signalChange = resolve;
      });
      // Subscribe before reading, so a change between the read and the wait is not missed.
      const off = bus.subscribe(JOB_UPDATED, (payload) => {
        if (payload.job_id === id) signalChange();
      });
      try {
        const first = await repo.findJob(db, userId, id);
        if (!first) throw notFound('Job');
        let row = first;
        const deadline = Date.now() + waitS * 1000;
        while (!FINAL.includes(row.status) && row.status === first.status && !abort?.aborted) {
          const left = deadline - Date.now();
          if (left <= 0) break;
          await Promise.race([changed, sleep(left, abort)]);
          changed = new Promise<void>((resolve) => {
            signalChange = resolve;
          });
          const next = await repo.findJob(db, userId, id);
          if (!next) throw notFound('Job');
          row = next;
        }
        return toJob(row);
      } finally {
        off();
      }
    },

    /**
     * Cancels a pending job.
     * @throws not_found for a missing job or another user's; conflict once it is running or finished
     */
    async cancel(userId: string, id: string): Promise<Job> {
      const row = await repo.cancelPendingJob(db, userId, id);
      if (row) {
        queue.publish(row);
        return toJob(row);
      }
      const existing = await repo.findJob(db, userId, id);
      if (!existing) throw notFound('Job');
      throw new AppError('conflict', `Only a pending job can be cancelled; this one is ${existing.status}`);
    },
  };
}

export type JobsService = ReturnType<typeof createJobsService>;

function sleep(ms: number, abort?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    abort?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
