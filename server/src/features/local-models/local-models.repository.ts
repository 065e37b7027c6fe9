import { and, asc, eq, gt, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { healthChecks, localEndpoints } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';

export type EndpointRow = typeof localEndpoints.$inferSelect;
export type EndpointInsert = typeof localEndpoints.$inferInsert;
export type EndpointPatch = Partial<
  Pick<
    EndpointInsert,
    | 'name'
    | 'baseUrl'
    | 'apiKeyEnc'
    | 'keyId'
    | 'apiKeyPreview'
    | 'endpointType'
    | 'isActive'
    | 'availableModels'
    | 'lastModelDiscovery'
    | 'healthStatus'
    | 'lastHealthCheck'
    | 'responseTimeMs'
    | 'errorMessage'
    | 'consecutiveFailures'
  >
>;

const owned = (userId: string, id: string) =>
  and(eq(localEndpoints.userId, userId), eq(localEndpoints.id, id));

export async function insertEndpoint(db: Db, values: EndpointInsert): Promise<EndpointRow> {
  return returnedRow(await db.insert(localEndpoints).values(values).returning());
}

/** The user's endpoints in id (= creation) order, after `afterId`, `limit + 1` rows for paging. */
export const listEndpoints = (db: Db, userId: string, limit: number, afterId?: string) =>
  db
    .select()
    .from(localEndpoints)
    .where(and(eq(localEndpoints.userId, userId), afterId ? gt(localEndpoints.id, afterId) : undefined))
    .orderBy(asc(localEndpoints.id))
    .limit(limit + 1);

export const allEndpointsOf = (db: Db, userId: string) =>
  db.select().from(localEndpoints).where(eq(localEndpoints.userId, userId)).orderBy(asc(localEndpoints.id));

export const findEndpoint = async (db: Db, userId: string, id: string) =>
  (await db.select().from(localEndpoints).where(owned(userId, id)).limit(1))[0];

export const findEndpointById = async (db: Db, id: string) =>
  (await db.select().from(localEndpoints).where(eq(localEndpoints.id, id)).limit(1))[0];

export const updateEndpoint = async (db: Db, userId: string, id: string, patch: EndpointPatch) =>
  (await db.update(localEndpoints).set(patch).where(owned(userId, id)).returning())[0];

export const deleteEndpoint = async (db: Db, userId: string, id: string) =>
  (await db.delete(localEndpoints).where(owned(userId, id)).returning())[0];

/** The user's other active endpoints that list `model`: failover candidates, fastest last check first. */
export const endpointsServing = (db: Db, userId: string, model: string, exceptId: string) =>
  db
    .select()
    .from(localEndpoints)
    .where(
      and(
        eq(localEndpoints.userId, userId),
        eq(localEndpoints.isActive, true),
        ne(localEndpoints.id, exceptId),
        sql`${localEndpoints.availableModels} @> ${JSON.stringify([model])}::jsonb`,
      ),
    )
    .orderBy(sql`${localEndpoints.responseTimeMs} asc nulls last`, asc(localEndpoints.id));

/**
 * Claims the active endpoints not checked since `dueBefore` by stamping `last_health_check` now. The UPDATE
 * is atomic per row and SKIP LOCKED passes over rows another instance is claiming, so with several instances
 * each endpoint is checked by one of them per round.
 */
export async function claimDueEndpoints(db: Db, dueBefore: Date, limit: number): Promise<EndpointRow[]> {
  const due = db
    .select({ id: localEndpoints.id })
    .from(localEndpoints)
    .where(
      and(
        eq(localEndpoints.isActive, true),
        or(isNull(localEndpoints.lastHealthCheck), lt(localEndpoints.lastHealthCheck, dueBefore)),
      ),
    )
    .orderBy(sql`${localEndpoints.lastHealthCheck} asc nulls first`)
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(localEndpoints)
    .set({ lastHealthCheck: new Date() })
    .where(inArray(localEndpoints.id, due))
    .returning();
}

export interface CheckOutcome {
  ok: boolean;
  responseTimeMs: number;
  error: string | null;
  /** Present when the check listed the models (a passing check). */
  models?: string[];
  /** Scheduled checks keep the time their claim stamped (the round's clock); a check on demand stamps now. */
  stampTime: boolean;
}

/**
 * Logs one check and applies it to the endpoint: a pass closes the breaker (failures back to 0), a failure
 * marks it unhealthy and counts toward the breaker. Returns the updated row (undefined if it was deleted).
 * Run it in a transaction (recordCheck, or a round's batch).
 */
export async function applyCheck(
  tx: Db,
  id: string,
  outcome: CheckOutcome,
): Promise<EndpointRow | undefined> {
  const now = new Date();
  const [row] = await tx
    .update(localEndpoints)
    .set({
      healthStatus: outcome.ok ? 'healthy' : 'unhealthy',
      ...(outcome.stampTime ? { lastHealthCheck: now } : {}),
      responseTimeMs: outcome.responseTimeMs,
      errorMessage: outcome.error,
      consecutiveFailures: outcome.ok ? 0 : sql`${localEndpoints.consecutiveFailures} + 1`,
      ...(outcome.models ? { availableModels: outcome.models, lastModelDiscovery: now } : {}),
    })
    .where(eq(localEndpoints.id, id))
    .returning();
  if (!row) return undefined;
  await tx.insert(healthChecks).values({
    endpointId: id,
    status: outcome.ok ? 'healthy' : 'unhealthy',
    responseTimeMs: outcome.responseTimeMs,
    errorMessage: outcome.error,
    checkedAt: now,
  });
  return row;
}

export const recordCheck = (db: Db, id: string, outcome: CheckOutcome) =>
  db.transaction((tx) => applyCheck(tx, id, outcome));

/**
 * A chat's outcome: success closes the breaker; a failure counts, and reaching `threshold` consecutive
 * failures marks the endpoint unhealthy (open) until a check or a chat passes.
 */
export async function recordChatResult(
  db: Db,
  id: string,
  ok: boolean,
  error: string | null,
  threshold: number,
): Promise<{ before: EndpointRow | undefined; after: EndpointRow | undefined }> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(localEndpoints).where(eq(localEndpoints.id, id)).for('update');
    if (!before) return { before: undefined, after: undefined };
    const failures = ok ? 0 : before.consecutiveFailures + 1;
    const [after] = await tx
      .update(localEndpoints)
      .set({
        consecutiveFailures: failures,
        healthStatus: ok ? 'healthy' : failures >= threshold ? 'unhealthy' : before.healthStatus,
        errorMessage: ok ? null : error,
      })
      .where(eq(localEndpoints.id, id))
      .returning();
    return { before, after };
  });
}

/** The latest logged checks of an endpoint (newest first). */
export const recentChecks = (db: Db, endpointId: string, limit: number) =>
  db
    .select()
    .from(healthChecks)
    .where(eq(healthChecks.endpointId, endpointId))
    .orderBy(sql`${healthChecks.checkedAt} desc`)
    .limit(limit);
