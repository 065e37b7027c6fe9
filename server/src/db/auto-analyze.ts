import { sql } from 'drizzle-orm';
import type { Managed } from '../lib/lifecycle.js';
import type { Db } from './client.js';

// PGlite runs no autovacuum launcher, so nothing ever ANALYZEs its tables: after a bulk of inserts the planner
// still believes a table is a few pages and picks a bitmap scan + sort for the chat list (10 k chats: 65 ms
// instead of 0.1 ms by chats_user_activity_idx; bench/src/explain-reads.ts). This does autovacuum's analyze
// part on PGlite: at start and then every `intervalMs`, it ANALYZEs each table whose rows changed since its last
// analyze past autovacuum's own threshold (50 rows + 10 % of the table). PostgreSQL's autovacuum does it there.

/** Tables past autovacuum's analyze threshold (autovacuum_analyze_threshold / _scale_factor defaults). */
export async function tablesToAnalyze(db: Db): Promise<string[]> {
  const r = (await db.execute(sql`
    select relname from pg_stat_user_tables
     where n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, 0)`)) as unknown as {
    rows: { relname: string }[];
  };
  return r.rows.map((row) => row.relname);
}

/** ANALYZEs the tables that need it; returns their names. */
export async function analyzeChanged(db: Db): Promise<string[]> {
  const tables = await tablesToAnalyze(db);
  for (const t of tables) await db.execute(sql`analyze ${sql.identifier(t)}`);
  return tables;
}

export function pgliteAutoAnalyze(deps: {
  db: Db;
  intervalMs: number;
  logger: { warn(obj: object, msg: string): void };
}): Managed {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () =>
    analyzeChanged(deps.db).catch((err) => deps.logger.warn({ err }, 'analyze failed; trying again later'));
  return {
    name: 'pglite-auto-analyze',
    // The first pass runs once the server is ready, not before: statistics only steer plans, and on a data dir
    // with many changes its ANALYZEs held /readyz back. stop() still waits for it.
    start() {
      running = tick();
      timer = setInterval(() => {
        running = running.then(tick);
      }, deps.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
