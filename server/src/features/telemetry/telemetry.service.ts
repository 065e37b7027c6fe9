import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Db } from '../../db/client.js';
import type { Managed } from '../../lib/lifecycle.js';
import { createPromMetrics } from './prometheus.js';
import { insertBatch } from './telemetry.repository.js';
import type { RequestLogEntry } from './telemetry.types.js';
import { createTelemetryReports } from './telemetry-reports.js';

export type { RequestLogEntry };

export interface TelemetryOptions {
  db: Db;
  logger: Logger;
  /** Flush when this many entries wait (default 200). */
  batchSize?: number;
  /** Flush at most this long after the first waiting entry (default 1000 ms). */
  flushIntervalMs?: number;
  /** Beyond this many waiting entries new ones are dropped (the database is down or far behind). */
  maxBuffered?: number;
}

/** Whole, non-negative numbers: the columns are integers, and one bad value would cost the whole batch. */
const count = (n: number | null | undefined) => (Number.isFinite(n) ? Math.max(0, Math.round(n ?? 0)) : 0);
const normalize = (e: RequestLogEntry): RequestLogEntry & { at: Date } => ({
  ...e,
  tokensIn: count(e.tokensIn),
  tokensOut: count(e.tokensOut),
  latencyMs: count(e.latencyMs),
  ttftMs: e.ttftMs == null ? null : count(e.ttftMs),
  at: e.at ?? new Date(),
});

/**
 * Request telemetry off the hot path: record() only appends to a buffer; batches are written with one
 * multi-row insert (plus rollup upserts) when full or after flushIntervalMs, and once more at shutdown.
 */
export function createTelemetryService(opts: TelemetryOptions) {
  const { db, logger } = opts;
  const batchSize = opts.batchSize ?? 200;
  const flushIntervalMs = opts.flushIntervalMs ?? 1000;
  const maxBuffered = opts.maxBuffered ?? 50_000;
  const prom = createPromMetrics();
  let buffer: (RequestLogEntry & { at: Date })[] = [];
  let timer: NodeJS.Timeout | null = null;
  const inFlight = new Set<Promise<void>>();
  let droppedSinceWarning = 0;

  async function write(batch: (RequestLogEntry & { at: Date })[]) {
    try {
      await insertBatch(db, batch);
    } catch (err) {
      // Telemetry must never hurt a chat: the batch is lost, with one line saying so.
      logger.warn({ err, dropped: batch.length }, 'telemetry batch dropped: could not write request_log');
    }
  }

  /** Writes what is buffered now; resolves when that batch (and any still running) is stored or dropped. */
  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buffer.length > 0) {
      const batch = buffer;
      buffer = [];
      const p = write(batch).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    return Promise.all(inFlight).then(() => undefined);
  }

  return {
    /** Never blocks and never throws: the entry is written in the next batch. */
    record(entry: RequestLogEntry): void {
      const clean = normalize(entry);
      prom.observeChat(clean);
      if (buffer.length >= maxBuffered) {
        if (droppedSinceWarning++ === 0)
          logger.warn({ max_buffered: maxBuffered }, 'telemetry buffer full; dropping entries');
        return;
      }
      droppedSinceWarning = 0;
      buffer.push(clean);
      if (buffer.length >= batchSize) void flush();
      else if (!timer) {
        timer = setTimeout(() => void flush(), flushIntervalMs);
        timer.unref();
      }
    },
    flush,
    /** Writes what is left at shutdown (the composition root registers it with the lifecycle). */
    managed: { name: 'telemetry', stop: flush } satisfies Managed,
    /** Entries waiting for the next batch (for tests and /readyz-style checks). */
    pending: () => buffer.length,
    prometheus: prom,
    ...createTelemetryReports(db),
  };
}

export type TelemetryService = ReturnType<typeof createTelemetryService>;
