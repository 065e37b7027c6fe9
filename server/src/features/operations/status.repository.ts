import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { sqlRows } from '../../lib/sql-rows.js';

const count = z.coerce.number().int();

/** Drizzle's own record of applied migrations (schema "drizzle"); 0 before the first migration ran. */
export async function appliedMigrations(db: Db): Promise<number> {
  const result = await db.execute(sql`
    select count(*) as n from information_schema.tables
    where table_schema = 'drizzle' and table_name = '__drizzle_migrations'`);
  if ((sqlRows(result, z.object({ n: count }))[0]?.n ?? 0) === 0) return 0;
  const rows = sqlRows(
    await db.execute(sql`select count(*) as n from drizzle.__drizzle_migrations`),
    z.object({ n: count }),
  );
  return rows[0]?.n ?? 0;
}

/** Queue depth from the partial claim index; failures of the last day. */
export async function jobCounts(db: Db) {
  const result = await db.execute(sql`
    select
      count(*) filter (where status = 'pending') as pending,
      count(*) filter (where status = 'processing') as processing,
      min(created_at) filter (where status = 'pending') as oldest_pending_at,
      (select count(*) from jobs where status = 'failed' and updated_at > now() - interval '24 hours')
        as failed_last_24h
    from jobs where status in ('pending', 'processing')`);
  const row = sqlRows(
    result,
    z.object({
      pending: count,
      processing: count,
      failed_last_24h: count,
      oldest_pending_at: z.union([z.date(), z.string()]).nullable(),
    }),
  )[0];
  return {
    pending: row?.pending ?? 0,
    processing: row?.processing ?? 0,
    failed_last_24h: row?.failed_last_24h ?? 0,
    oldest_pending_at: row?.oldest_pending_at ? new Date(row.oldest_pending_at).toISOString() : null,
  };
}

/** Requests and errors per provider over the last day, from the hourly rollups (not the raw log). */
export async function providerHealth(db: Db) {
  const result = await db.execute(sql`
    select provider, sum(requests) as requests, sum(errors) as errors
    from request_log_hourly where bucket > now() - interval '24 hours'
    group by provider order by provider`);
  return sqlRows(result, z.object({ provider: z.string(), requests: count, errors: count })).map((r) => ({
    ...r,
    error_rate: r.requests ? Math.round((r.errors / r.requests) * 1000) / 1000 : 0,
  }));
}

/** Active endpoints by health, and the ones not healthy (worst first, at most 50). */
export async function endpointHealth(db: Db) {
  const totals = sqlRows(
    await db.execute(sql`
      select health_status, count(*) as n from local_endpoints where is_active group by health_status`),
    z.object({ health_status: z.enum(['healthy', 'unhealthy', 'unknown']), n: count }),
  );
  const failing = sqlRows(
    await db.execute(sql`
      select id, name, health_status, consecutive_failures, last_health_check, error_message
      from local_endpoints where is_active and health_status <> 'healthy'
      order by consecutive_failures desc, id limit 50`),
    z.object({
      id: z.string(),
      name: z.string(),
      health_status: z.enum(['healthy', 'unhealthy', 'unknown']),
      consecutive_failures: count,
      last_health_check: z.union([z.date(), z.string()]).nullable(),
      error_message: z.string().nullable(),
    }),
  );
  const of = (s: string) => totals.find((t) => t.health_status === s)?.n ?? 0;
  return {
    healthy: of('healthy'),
    unhealthy: of('unhealthy'),
    unknown: of('unknown'),
    failing: failing.map((f) => ({
      ...f,
      last_health_check: f.last_health_check ? new Date(f.last_health_check).toISOString() : null,
    })),
  };
}
