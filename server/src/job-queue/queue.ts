import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Db } from '../db/client.js';
import type { EventBus } from '../lib/event-bus.js';
import { newId } from '../lib/ids.js';
import type { UserEventLog } from '../lib/user-events.js';
import type { JobRow } from './jobs.repository.js';
import * as repo from './jobs.repository.js';

/** Thrown by a handler when trying again cannot help (bad input, a 4xx from a provider): the job fails at once. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export interface JobRun {
  job: JobRow;
  /** Aborted when the process shuts down before the job finishes; the job then goes back to pending. */
  signal: AbortSignal;
  logger: Logger;
}
export type JobHandler = (run: JobRun) => Promise<Record<string, unknown>>;
/** Turns stored output into what the API shows (e.g. fresh signed URLs). */
export type JobPresenter = (output: Record<string, unknown>, job: JobRow) => Record<string, unknown>;

export interface JobQueueOptions {
  db: Db;
  bus: EventBus;
  logger: Logger;
  concurrency: number;
  /** The longest an idle worker goes without looking (a wake-up the bus lost); due retries wake it on time. */
  pollIntervalMs: number;
  maxAttempts: number;
  /** How long running jobs may take to finish after stop() before they are released. */
  shutdownGraceMs: number;
  /** A claimed job's lease; renewed every third of it while the handler runs. */
  leaseMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  workerId?: string;
  /** The owner's event stream hears every status change (job.updated). */
  userEvents?: UserEventLog;
}

/** Bus channels: status changes for the realtime feature, and "work is waiting" for other instances. */
export const JOB_UPDATED = 'job.updated';
const JOB_ENQUEUED = 'job.enqueued';
/** The shortest idle sleep, when a due job went to another worker's claim. */
const MIN_WAIT_MS = 25;

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

const errorText = (err: unknown): string => {
  const text = err instanceof Error ? err.message : String(err);
  return text.slice(0, 2000) || 'the job failed without a message';
};

/**
 * The job runner: polls the jobs table (and wakes at once on an enqueue here or on another instance),
 * runs up to `concurrency` handlers, retries with exponential backoff, and hands work back on stop.
 */
export class JobQueue {
  readonly workerId: string;
  private readonly handlers = new Map<string, { handler: JobHandler; present?: JobPresenter }>();
  private readonly running = new Map<string, Running>();
  private readonly releasing = new Set<string>();
  private readonly leaseMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private loopDone: Promise<void> | null = null;
  private stopping = false;
  private woken = false;
  private wakeSleeper: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: JobQueueOptions) {
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.backoffBaseMs = opts.backoffBaseMs ?? 2_000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 10 * 60_000;
  }

  /** Features register one handler per job type, before start(). */
  register(jobType: string, handler: JobHandler, options: { present?: JobPresenter } = {}): void {
    if (this.handlers.has(jobType))
      throw new Error(`a handler for job type "${jobType}" is already registered`);
    this.handlers.set(jobType, { handler, ...(options.present ? { present: options.present } : {}) });
  }

  presenterOf(jobType: string): JobPresenter | undefined {
    return this.handlers.get(jobType)?.present;
  }

  /** Stores a pending job and wakes the workers (here and, through the bus, on other instances). */
  async enqueue(
    userId: string,
    jobType: string,
    inputData: Record<string, unknown>,
    options: { maxAttempts?: number } = {},
  ): Promise<JobRow> {
    const job = await repo.insertJob(this.opts.db, {
      id: newId(),
      userId,
      jobType,
      inputData,
      maxAttempts: options.maxAttempts ?? this.opts.maxAttempts,
    });
    this.publish(job);
    this.wake();
    this.opts.bus.publish(JOB_ENQUEUED, { job_type: jobType });
    return job;
  }

  start(): void {
    if (this.loopDone) return;
    this.stopping = false;
    this.unsubscribe = this.opts.bus.subscribe(JOB_ENQUEUED, () => this.wake());
    this.loopDone = this.loop();
  }

  /** Stops claiming, lets running jobs finish within the grace period, and releases the rest to pending. */
  async stop(): Promise<void> {
    if (!this.loopDone) return;
    this.stopping = true;
    this.unsubscribe?.();
    this.wake();
    await this.loopDone;
    const settled = () => Promise.allSettled([...this.running.values()].map((r) => r.done));
    await Promise.race([settled(), delay(this.opts.shutdownGraceMs)]);
    if (this.running.size > 0) {
      const ids = [...this.running.keys()];
      for (const id of ids) this.releasing.add(id);
      try {
        const released = await repo.releaseJobs(this.opts.db, ids, this.workerId);
        for (const job of released) this.publish(job);
        // Other instances' workers take them now, not at their next look.
        if (released.length > 0) this.opts.bus.publish(JOB_ENQUEUED, { job_type: released[0]?.jobType });
        this.opts.logger.info({ jobs: released.length }, 'released unfinished jobs to pending at shutdown');
      } catch (err) {
        // Their leases expire and another worker reclaims them.
        this.opts.logger.warn({ err }, 'could not release jobs at shutdown');
      }
      for (const r of this.running.values()) r.controller.abort(new Error('shutting down'));
      await Promise.race([settled(), delay(1000)]);
    }
    this.loopDone = null;
  }

  wake(): void {
    this.woken = true;
    this.wakeSleeper?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      const free = this.opts.concurrency - this.running.size;
      let claimed = 0;
      if (free > 0 && this.handlers.size > 0) {
        try {
          const jobs = await repo.claimJobs(this.opts.db, {
            workerId: this.workerId,
            limit: free,
            leaseMs: this.leaseMs,
            jobTypes: [...this.handlers.keys()],
          });
          claimed = jobs.length;
          for (const job of jobs) this.launch(job);
        } catch (err) {
          if (!this.stopping)
            this.opts.logger.warn({ err }, 'claiming jobs failed; retrying after the poll interval');
        }
      }
      if (claimed > 0 && claimed === free) continue;
      await this.sleep(free > claimed ? await this.idleWait() : this.opts.pollIntervalMs);
    }
  }

  /**
   * How long a worker with room to spare sleeps: until the next retry or lease end is due, at most the poll
   * interval. Enqueues (here, or elsewhere through the bus) and finished jobs wake it sooner; the interval only
   * bounds a wake-up the bus lost.
   */
  private async idleWait(): Promise<number> {
    const poll = this.opts.pollIntervalMs;
    try {
      const ms = await repo.msUntilNextJob(this.opts.db, [...this.handlers.keys()]);
      // A job due now that this claim did not get is being claimed by another worker: look again shortly.
      return ms === null ? poll : Math.min(poll, Math.max(MIN_WAIT_MS, Math.ceil(ms)));
    } catch {
      return poll;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleeper = () => {
        this.wakeSleeper = null;
        done();
      };
    });
  }

  private launch(job: JobRow): void {
    const controller = new AbortController();
    const done = this.execute(job, controller.signal).finally(() => {
      this.running.delete(job.id);
      this.releasing.delete(job.id);
      this.wake();
    });
    this.running.set(job.id, { controller, done });
  }

  private async execute(job: JobRow, signal: AbortSignal): Promise<void> {
    const { db, logger } = this.opts;
    const log = logger.child({ job_id: job.id, job_type: job.jobType, attempt: job.attempts });
    this.publish(job);
    const entry = this.handlers.get(job.jobType);
    const heartbeat = setInterval(
      () => {
        repo.extendLease(db, job.id, this.workerId, this.leaseMs).catch((err: unknown) => {
          log.warn({ err }, 'could not renew a job lease');
        });
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      // A job claimed again after its lease ran out on its last allowed attempt: its worker keeps dying.
      if (job.attempts > job.maxAttempts) {
        throw new PermanentJobError(
          `gave up after ${job.maxAttempts} attempts: the worker running it stopped`,
        );
      }
      if (!entry) throw new PermanentJobError(`no handler for job type "${job.jobType}"`);
      const output = await entry.handler({ job, signal, logger: log });
      if (this.releasing.has(job.id)) return;
      const row = await repo.completeJob(db, job.id, this.workerId, output);
      if (row) this.publish(row);
      else log.warn('job finished after its lease was lost; result dropped');
    } catch (err) {
      if (this.releasing.has(job.id)) return;
      const permanent = err instanceof PermanentJobError;
      const message = errorText(err);
      try {
        const row =
          permanent || job.attempts >= job.maxAttempts
            ? await repo.failJob(db, job.id, this.workerId, message)
            : await repo.retryJobLater(db, job.id, this.workerId, message, this.backoffMs(job.attempts));
        if (row) this.publish(row);
        log.warn({ err: { message }, status: row?.status ?? 'lease lost' }, 'job attempt failed');
      } catch (writeErr) {
        log.error(
          { err: writeErr },
          'could not record a job failure; its lease will expire and it will be retried',
        );
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** 2 s, 4 s, 8 s … with ±20 % jitter so failed jobs do not retry in lockstep. */
  private backoffMs(attempt: number): number {
    const base = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Tells every instance (and the owner's event stream) that a job's status changed. */
  publish(job: JobRow): void {
    this.opts.userEvents?.publish(job.userId, {
      event: 'job.updated',
      data: { job_id: job.id, job_type: job.jobType, status: job.status },
    });
    this.opts.bus.publish(JOB_UPDATED, {
      user_id: job.userId,
      job_id: job.id,
      job_type: job.jobType,
      status: job.status,
    });
  }
}

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });
