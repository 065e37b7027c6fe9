import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { auditLog, users } from '../../db/schema/index.js';

export interface AuditFilter {
  actorId?: string | undefined;
  actorEmail?: string | undefined;
  action?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  beforeId?: string | undefined;
}

/** Newest first. Ids are UUIDv7 (time-ordered), so the id alone is the keyset. */
export function listAudit(db: Db, filter: AuditFilter, limit: number) {
  const where: SQL[] = [];
  if (filter.actorId) where.push(eq(auditLog.actorId, filter.actorId));
  if (filter.actorEmail) where.push(eq(users.email, filter.actorEmail));
  if (filter.action) where.push(eq(auditLog.action, filter.action));
  if (filter.since) where.push(gte(auditLog.createdAt, filter.since));
  if (filter.until) where.push(lte(auditLog.createdAt, filter.until));
  if (filter.beforeId) where.push(lt(auditLog.id, filter.beforeId));
  return db
    .select({ entry: auditLog, actorEmail: users.email })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(limit);
}
