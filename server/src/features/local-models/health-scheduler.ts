/**
 * Checks every active local endpoint once per HEALTH_CHECK_INTERVAL_S. Each round claims the endpoints that
 * are due (an atomic UPDATE … RETURNING over SKIP LOCKED rows, so with several instances each endpoint is
 * checked by one of them), then checks them with bounded concurrency: every check has its own timeout and a
 * dead host holds one slot, so a round takes about one timeout however many hosts are down (up to CONCURRENCY).
 */
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Db } from '../../db/client.js';
import type { Managed } from '../../lib/lifecycle.js';
import type { ProbeResult } from './endpoint-client.js';
import { claimDueEndpoints, type EndpointRow } from './local-models.repository.js';

/** Checks in flight at once; each one is a single small GET. */
export const CONCURRENCY = 32;
const CLAIM_BATCH = 500;

export interface RoundResult {
  checked: number;
  healthy: number;
  unhealthy: number;
  /** The whole round: claims, probes and writes. */
  durationMs: number;
  /** The probes alone: about one timeout when some hosts never answer. */
  probeMs: number;
}

export interface HealthSchedulerDeps {
  db: Db;
  logger: Logger;
  intervalS: number;
  /** Calls one endpoint (never throws; bounded by its own timeout). */
  probe: (row: EndpointRow) => Promise<ProbeResult>;
  /** Logs and applies a batch of results; returns the updated rows. */
  record: (checked: { row: EndpointRow; result: ProbeResult }[]) => Promise<EndpointRow[]>;
  concurrency?: number;
}

/** Runs `work` over `items` with at most `limit` in flight; a failure of one never stops the others. */
export async function forEachBounded<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function createHealthScheduler(deps: HealthSchedulerDeps) {
  const { db, logger, intervalS, probe, record } = deps;
  const concurrency = deps.concurrency ?? CONCURRENCY;
  const intervalMs = intervalS * 1000;
  let timer: NodeJS.Timeout | undefined;
  let first: NodeJS.Timeout | undefined;
  let running: Promise<RoundResult> | null = null;

  /**
   * One round: claims and checks every due endpoint. `dueBefore` defaults to one interval ago (with a little
   * slack for timer drift): the claim stamps the time, so the next round, one interval later, finds it due again.
   * It must not lie in the future: a claim's own stamp would then still be due and another claim could take it.
   */
  async function runRound(dueBefore = new Date(Date.now() - intervalMs + Math.min(1000, intervalMs / 10))) {
    const started = performance.now();
    const result: RoundResult = { checked: 0, healthy: 0, unhealthy: 0, durationMs: 0, probeMs: 0 };
    for (;;) {
      const claimed = await claimDueEndpoints(db, dueBefore, CLAIM_BATCH);
      const checked: { row: EndpointRow; result: ProbeResult }[] = [];
      const probing = performance.now();
      await forEachBounded(claimed, concurrency, async (row) => {
        checked.push({ row, result: await probe(row) });
      });
      result.probeMs += Math.round(performance.now() - probing);
      try {
        for (const after of await record(checked)) {
          result.checked++;
          if (after.healthStatus === 'healthy') result.healthy++;
          else result.unhealthy++;
        }
      } catch (err) {
        // Claimed rows stay stamped: they are checked again next round, not in a tight loop now.
        logger.error({ err, endpoints: checked.length }, 'local endpoint health round failed to record');
      }
      if (claimed.length < CLAIM_BATCH) break;
    }
    result.durationMs = Math.round(performance.now() - started);
    if (result.checked) logger.info({ ...result }, 'local endpoint health round');
    return result;
  }

  /** Skips a tick while the previous round still runs (a slow database must not pile rounds up). */
  function tick() {
    if (running) return;
    running = runRound();
    running
      .catch((err: unknown) => logger.error({ err }, 'local endpoint health round failed'))
      .finally(() => {
        running = null;
      });
  }

  const managed: Managed = {
    name: 'local-models-health',
    start() {
      timer = setInterval(tick, intervalMs);
      timer.unref();
      // The first round soon after start, not one whole interval later.
      first = setTimeout(tick, Math.min(intervalMs, 2000));
      first.unref();
    },
    async stop() {
      clearInterval(timer);
      clearTimeout(first);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };

  return { runRound, managed };
}
