import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AdminStatus, AuditQuery } from '@pocketllm/contracts';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { pendingRestorePath } from '../../backup/paths.js';
import type { Database } from '../../db/client.js';
import { migrationsFolder } from '../../db/migrate.js';
import { decodeIdCursor, page } from '../../lib/cursor.js';
import { APP_VERSION } from '../../lib/version.js';
import * as audit from './audit.repository.js';
import * as status from './status.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const knownMigrations = () =>
  z
    .object({ entries: z.array(z.unknown()) })
    .parse(JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8'))).entries
    .length;

async function timed(probe: () => Promise<unknown>) {
  const started = performance.now();
  try {
    await probe();
    return {
      status: 'ok' as const,
      latency_ms: Math.round((performance.now() - started) * 10) / 10,
      error: null,
    };
  } catch (err) {
    return {
      status: 'down' as const,
      latency_ms: null,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

/**
 * What an admin sees of the installation: the audit log and the health of its parts. Nothing here reads
 * chats, messages or files (admins cannot).
 */
export function createOperationsService(deps: {
  database: Database;
  redis: Redis | null;
  dataDir: string;
  startedAt: number;
  runningAnswers: () => number;
}) {
  const { database, redis } = deps;
  const db = database.db;

  return {
    /** @throws validation_error (cursor) */
    async listAudit(query: AuditQuery) {
      const actorIsId = query.actor !== undefined && UUID.test(query.actor);
      const rows = await audit.listAudit(
        db,
        {
          actorId: actorIsId ? query.actor : undefined,
          actorEmail: actorIsId ? undefined : query.actor,
          action: query.action,
          since: query.since ? new Date(query.since) : undefined,
          until: query.until ? new Date(query.until) : undefined,
          beforeId: query.cursor ? decodeIdCursor(query.cursor) : undefined,
        },
        query.limit + 1,
      );
      const { items, nextCursor } = page(rows, query.limit, (r) => [r.entry.id]);
      return {
        entries: items.map(({ entry, actorEmail }) => ({
          id: entry.id,
          actor_id: entry.actorId,
          actor_email: actorEmail,
          action: entry.action,
          target_type: entry.targetType,
          target_id: entry.targetId,
          details: entry.details,
          created_at: entry.createdAt.toISOString(),
        })),
        next_cursor: nextCursor,
      };
    },

    /** Each part is probed on its own: one being down shows as `down`, never fails the whole answer. */
    async status(): Promise<AdminStatus> {
      const dbCheck = await timed(() => db.execute(sql`select 1`));
      const redisCheck = redis
        ? await timed(() => redis.ping())
        : { status: 'not_configured' as const, latency_ms: null, error: null };
      const dbUp = dbCheck.status === 'ok';
      const applied = dbUp ? await status.appliedMigrations(db) : 0;
      const known = knownMigrations();
      const emptyJobs = { pending: 0, processing: 0, failed_last_24h: 0, oldest_pending_at: null };
      const emptyEndpoints = { healthy: 0, unhealthy: 0, unknown: 0, failing: [] };
      return {
        version: APP_VERSION,
        uptime_seconds: Math.round((Date.now() - deps.startedAt) / 1000),
        started_at: new Date(deps.startedAt).toISOString(),
        database: { ...dbCheck, engine: database.kind },
        redis: redisCheck,
        migrations: { applied, known, pending: Math.max(0, known - applied) },
        jobs: dbUp ? await status.jobCounts(db) : emptyJobs,
        running_answers: deps.runningAnswers(),
        providers: dbUp ? await status.providerHealth(db) : [],
        endpoints: dbUp ? await status.endpointHealth(db) : emptyEndpoints,
        backup: {
          supported: database.kind === 'pglite',
          restore_pending: existsSync(pendingRestorePath(deps.dataDir)),
        },
      };
    },
  };
}

export type OperationsService = ReturnType<typeof createOperationsService>;
