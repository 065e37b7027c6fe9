import { and, asc, eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { requestLog } from '../../db/schema/index.js';

// Sums as float8: a bigint would come back as a string from node-postgres.
const figures = {
  totalRequests: sql<number>`count(*)::float8`.mapWith(Number),
  tokensIn: sql<number>`coalesce(sum(${requestLog.tokensIn}), 0)::float8`.mapWith(Number),
  tokensOut: sql<number>`coalesce(sum(${requestLog.tokensOut}), 0)::float8`.mapWith(Number),
  errors: sql<number>`(count(*) filter (where ${requestLog.status} = 'error'))::float8`.mapWith(Number),
  // Latency of answered requests: a failed call's time says nothing about the endpoint's speed.
  avgLatencyMs: sql<
    number | null
  >`(avg(${requestLog.latencyMs}) filter (where ${requestLog.status} = 'ok'))::float8`,
};

export interface UsageFigures {
  totalRequests: number;
  tokensIn: number;
  tokensOut: number;
  errors: number;
  avgLatencyMs: number | null;
}

/** Request-log figures of one endpoint since `since`: totals, per model and per UTC day. */
export async function endpointUsage(db: Db, endpointId: string, since: Date) {
  const where = and(eq(requestLog.localEndpointId, endpointId), gte(requestLog.createdAt, since));
  const day = sql<string>`to_char(${requestLog.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const [totals] = await db
    .select({
      ...figures,
      p95LatencyMs: sql<number | null>`(percentile_cont(0.95) within group (order by ${requestLog.latencyMs})
        filter (where ${requestLog.status} = 'ok'))::float8`,
      lastUsedAt: sql<Date | null>`max(${requestLog.createdAt})`.mapWith(requestLog.createdAt),
    })
    .from(requestLog)
    .where(where);
  const byModel = await db
    .select({ model: requestLog.model, ...figures })
    .from(requestLog)
    .where(where)
    .groupBy(requestLog.model)
    .orderBy(sql`count(*) desc`, asc(requestLog.model));
  const daily = await db
    .select({ date: day, ...figures })
    .from(requestLog)
    .where(where)
    .groupBy(day)
    .orderBy(day);
  return { totals, byModel, daily };
}
