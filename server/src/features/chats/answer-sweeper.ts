import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import type { Managed } from '../../lib/lifecycle.js';
import type { GenerationRegistry } from './generation.js';
import * as writers from './writers.repository.js';

/**
 * Keeps this instance's heartbeat and ends answers whose writer is gone, now and then, on every instance:
 * a process killed mid-answer (its heartbeat stops), or a writer here that failed to store its answer.
 * At stop, running answers get the grace period, then are stored failed, and the heartbeat row goes.
 */
export function answerSweeper(deps: {
  db: Db;
  logger: FastifyBaseLogger;
  registry: GenerationRegistry;
  heartbeatMs: number;
  graceMs: number;
}): Managed {
  const { db, logger, registry } = deps;
  const self = registry.instanceId;
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> = Promise.resolve();

  async function tick() {
    try {
      if (!(await writers.beat(db, self))) await writers.registerInstance(db, self);
      const ended = await registry.sweep();
      if (ended.length) logger.warn({ count: ended.length }, 'ended answers whose writer is gone as failed');
      await writers.forgetDeadInstances(db, (deps.heartbeatMs * 3) / 1000);
    } catch (err) {
      logger.warn({ err }, 'answer sweep failed; trying again at the next beat');
    }
  }

  return {
    name: 'answer-sweeper',
    async start() {
      // Registered before ready: this instance's answers must have a live writer row. The first sweep (answers
      // of a process that died) runs in the background: a restart does not wait for it, stop() does.
      await writers.registerInstance(db, self);
      ticking = tick();
      timer = setInterval(() => {
        ticking = ticking.then(tick);
      }, deps.heartbeatMs);
      timer.unref();
    },
    async stop(since) {
      if (timer) clearInterval(timer);
      await ticking;
      await registry.drain(Math.max(0, deps.graceMs - (performance.now() - since)));
      await writers.removeInstance(db, self).catch(() => {});
    },
  };
}
