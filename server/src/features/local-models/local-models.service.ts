import type {
  CreateLocalModelBody,
  ImportLocalModelsResult,
  LocalModelUsage,
  PageQuery,
  UpdateLocalModelBody,
} from '@pocketllm/contracts';
import { notFound } from '../../errors.js';
import { NO_API_KEY } from '../../lib/crypto.js';
import { decodeIdCursor, page } from '../../lib/cursor.js';
import { recordAudit } from '../audit/audit.service.js';
import { createHealthScheduler } from './health-scheduler.js';
import { importLegacy } from './import.js';
import {
  AUDIT_TARGET,
  createCore,
  type LocalModelsDeps,
  toHealth,
  toLocalModel,
} from './local-models.core.js';
import * as repo from './local-models.repository.js';
import { createRouting } from './routing.js';
import { endpointUsage, type UsageFigures } from './usage.repository.js';

const figures = (f: UsageFigures) => ({
  total_requests: f.totalRequests,
  tokens_in: f.tokensIn,
  tokens_out: f.tokensOut,
  error_rate: f.totalRequests ? f.errors / f.totalRequests : 0,
  avg_latency_ms: f.avgLatencyMs === null ? null : Math.round(f.avgLatencyMs),
});

/** Users' own Ollama / OpenAI-compatible servers: CRUD, discovery, health, usage, import, chat targets. */
export function createLocalModelsService(deps: LocalModelsDeps) {
  const core = createCore(deps);
  const { db } = core;

  async function owned(userId: string, id: string): Promise<repo.EndpointRow> {
    const row = await repo.findEndpoint(db, userId, id);
    if (!row) throw notFound('Local model endpoint');
    return row;
  }

  const modelsOf = (r: repo.EndpointRow) => ({
    available_models: r.availableModels,
    last_model_discovery: r.lastModelDiscovery?.toISOString() ?? null,
    health_status: r.healthStatus,
    error_message: r.errorMessage,
  });

  const scheduler = createHealthScheduler({
    db,
    logger: core.logger,
    intervalS: core.config.localModels.healthCheckIntervalS,
    probe: (row) => core.probe(row),
    record: (checked) => core.recordRound(checked),
  });

  return {
    ...createRouting(core),
    /** The health scheduler, for the composition root to register with the lifecycle. */
    managed: scheduler.managed,
    /** One health round now (the scheduler runs these every HEALTH_CHECK_INTERVAL_S). */
    runHealthRound: scheduler.runRound,

    /** Creates an endpoint and discovers its models at once; an unreachable one is kept, `unhealthy`. @throws url_not_allowed */
    async create(userId: string, body: CreateLocalModelBody) {
      // An unresolvable name is kept (created `unhealthy`, like an unreachable host): connections are checked anyway.
      const row = await core.insertWithAudit(userId, {
        name: body.name,
        baseUrl: await core.baseUrlOf(body.base_url),
        endpointType: body.endpoint_type,
        isActive: body.is_active,
        apiKey: body.api_key,
      });
      const checked = await core.check(row);
      await core.notify(userId);
      return toLocalModel(checked);
    },

    async list(userId: string, q: PageQuery) {
      const afterId = q.cursor ? decodeIdCursor(q.cursor) : undefined;
      const rows = await repo.listEndpoints(db, userId, q.limit, afterId);
      const { items, nextCursor } = page(rows, q.limit, (r) => [r.id]);
      return { local_models: items.map(toLocalModel), next_cursor: nextCursor };
    },

    /** @throws not_found */
    async get(userId: string, id: string) {
      return toLocalModel(await owned(userId, id));
    },

    /** Changing the address, type or key discovers the models again. @throws not_found, url_not_allowed */
    async update(userId: string, id: string, body: UpdateLocalModelBody) {
      const before = await owned(userId, id);
      const baseUrl = body.base_url === undefined ? undefined : await core.baseUrlOf(body.base_url);
      const keyPatch =
        body.api_key === undefined
          ? {}
          : body.api_key === null
            ? NO_API_KEY
            : core.box.sealApiKey(body.api_key);
      const row = await db.transaction(async (tx) => {
        const updated = await repo.updateEndpoint(tx, userId, id, {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(baseUrl !== undefined ? { baseUrl } : {}),
          ...(body.endpoint_type !== undefined ? { endpointType: body.endpoint_type } : {}),
          ...(body.is_active !== undefined ? { isActive: body.is_active } : {}),
          ...keyPatch,
        });
        if (!updated) throw notFound('Local model endpoint');
        await recordAudit(tx, {
          actorId: userId,
          action: 'local_model.update',
          targetType: AUDIT_TARGET,
          targetId: id,
          details: {
            fields: Object.keys(body).filter((k) => k !== 'api_key'),
            ...(body.api_key !== undefined ? { api_key: body.api_key === null ? 'removed' : 'changed' } : {}),
          },
        });
        return updated;
      });
      const readdressed =
        (baseUrl !== undefined && baseUrl !== before.baseUrl) ||
        (body.endpoint_type !== undefined && body.endpoint_type !== before.endpointType) ||
        body.api_key !== undefined;
      const result = readdressed ? await core.check(row) : row;
      await core.notify(userId);
      return toLocalModel(result);
    },

    /** @throws not_found */
    async remove(userId: string, id: string) {
      await db.transaction(async (tx) => {
        const row = await repo.deleteEndpoint(tx, userId, id);
        if (!row) throw notFound('Local model endpoint');
        await recordAudit(tx, {
          actorId: userId,
          action: 'local_model.delete',
          targetType: AUDIT_TARGET,
          targetId: id,
          details: { name: row.name, base_url: row.baseUrl },
        });
      });
      await core.notify(userId);
    },

    /** The stored model list. @throws not_found */
    models: async (userId: string, id: string) => modelsOf(await owned(userId, id)),

    /** Discovers the models again (a failed attempt keeps the old list and says why). @throws not_found */
    async discover(userId: string, id: string) {
      return modelsOf(await core.check(await owned(userId, id)));
    },

    /** The last check's result. @throws not_found */
    async health(userId: string, id: string) {
      return toHealth(await owned(userId, id));
    },

    /** Checks now (logged like a scheduled check). @throws not_found */
    async checkNow(userId: string, id: string) {
      return toHealth(await core.check(await owned(userId, id)));
    },

    /** Request-log figures over the last `days` days. @throws not_found */
    async usage(userId: string, id: string, days: number): Promise<LocalModelUsage> {
      await owned(userId, id);
      const since = new Date(Date.now() - days * 86_400_000);
      const { totals, byModel, daily } = await endpointUsage(db, id, since);
      const t = totals ?? { totalRequests: 0, tokensIn: 0, tokensOut: 0, errors: 0, avgLatencyMs: null };
      return {
        period_days: days,
        ...figures(t),
        p95_latency_ms: totals?.p95LatencyMs == null ? null : Math.round(totals.p95LatencyMs),
        last_used_at: totals?.lastUsedAt?.toISOString() ?? null,
        by_model: byModel.map((m) => ({ model: m.model, ...figures(m) })),
        daily: daily.map((d) => ({ date: d.date, ...figures(d) })),
      };
    },

    /** Creates endpoints from the old browser export, item by item. */
    async importLegacy(userId: string, items: unknown[]): Promise<ImportLocalModelsResult> {
      const result = await importLegacy(core, userId, items);
      if (result.created.length) await core.notify(userId);
      return result;
    },
  };
}

export type LocalModelsService = ReturnType<typeof createLocalModelsService>;
