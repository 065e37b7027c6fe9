/** What the local-models use cases share: the key box, the endpoint probe, and row → API shape. */
import { LOCAL_ENDPOINT_PROVIDER, type LocalModel, type LocalModelHealth } from '@pocketllm/contracts';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { checkBaseUrl } from '../../lib/base-url.js';
import type { SecretBox } from '../../lib/crypto.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import type { LookupFn } from '../../lib/url-policy.js';
import { recordAudit } from '../audit/audit.service.js';
import { type ProbeResult, probeEndpoint } from './endpoint-client.js';
import * as repo from './local-models.repository.js';

/** Consecutive failures (checks or chats) after which the circuit opens and chats fail fast. */
export const BREAKER_THRESHOLD = 3;

export interface LocalModelsDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Seals endpoint keys at rest (built once, in services.ts). */
  box: SecretBox;
  /** Told `models.changed` (provider `local`) when what the catalogue shows for a user changes (models, health). */
  events?: DomainEvents;
  /** DNS for the URL policy; tests pass their own. */
  lookup?: LookupFn;
}

/** The audit log's target type of an endpoint. */
export const AUDIT_TARGET = 'local_endpoint';

/** What a new endpoint is made of (its base URL already checked). */
export interface NewEndpoint {
  name: string;
  baseUrl: string;
  endpointType: repo.EndpointRow['endpointType'];
  isActive: boolean;
  apiKey?: string | null;
  availableModels?: string[];
}

export const isCircuitOpen = (r: repo.EndpointRow) => r.consecutiveFailures >= BREAKER_THRESHOLD;

/** Can a chat be sent there without failing over first. */
export const isUsable = (r: repo.EndpointRow) =>
  r.isActive && r.healthStatus !== 'unhealthy' && !isCircuitOpen(r);

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toLocalModel(r: repo.EndpointRow): LocalModel {
  return {
    id: r.id,
    name: r.name,
    base_url: r.baseUrl,
    endpoint_type: r.endpointType,
    is_active: r.isActive,
    has_api_key: r.apiKeyEnc !== null,
    api_key_preview: r.apiKeyPreview,
    available_models: r.availableModels,
    last_model_discovery: iso(r.lastModelDiscovery),
    health_status: r.healthStatus,
    last_health_check: iso(r.lastHealthCheck),
    response_time_ms: r.responseTimeMs,
    error_message: r.errorMessage,
    consecutive_failures: r.consecutiveFailures,
    circuit_open: isCircuitOpen(r),
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

export function toHealth(r: repo.EndpointRow): LocalModelHealth {
  return {
    status: r.healthStatus,
    response_time_ms: r.responseTimeMs,
    error_message: r.errorMessage,
    last_checked: iso(r.lastHealthCheck),
    available_models: r.availableModels,
    consecutive_failures: r.consecutiveFailures,
    circuit_open: isCircuitOpen(r),
  };
}

const outcomeOf = (result: ProbeResult, stampTime: boolean): repo.CheckOutcome => ({
  ok: result.ok,
  responseTimeMs: result.responseTimeMs,
  error: result.ok ? null : result.error,
  stampTime,
  ...(result.ok ? { models: result.models } : {}),
});

/** A change the catalogue shows: health, breaker state or the model list. */
const visibleChange = (a: repo.EndpointRow, b: repo.EndpointRow) =>
  a.healthStatus !== b.healthStatus ||
  isCircuitOpen(a) !== isCircuitOpen(b) ||
  a.isActive !== b.isActive ||
  JSON.stringify(a.availableModels) !== JSON.stringify(b.availableModels);

export function createCore(deps: LocalModelsDeps) {
  const { db, config, logger, box } = deps;
  const policy = {
    allowPrivate: config.localModels.allowPrivateEndpoints,
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
  };

  async function notify(userId: string) {
    try {
      await deps.events?.emit('models.changed', { userId, provider: LOCAL_ENDPOINT_PROVIDER });
    } catch (err) {
      logger.warn(
        { err: { message: err instanceof Error ? err.message : String(err) } },
        'local-models: models.changed handler failed',
      );
    }
  }

  /**
   * An endpoint's health changed outside a scheduled round (a chat failed over from it): the one place such a
   * change is announced. The catalogue and target cache drop what they hold (`models.changed`); a per-user
   * `local_model.health` event (the portal's health dot) belongs here too.
   */
  async function healthChanged(row: repo.EndpointRow) {
    await notify(row.userId);
  }

  function apiKeyOf(r: repo.EndpointRow): string | null {
    if (!r.apiKeyEnc) return null;
    try {
      return box.open(r.apiKeyEnc);
    } catch {
      // A key sealed under a rotated-away ENCRYPTION_KEY: call without it rather than fail every check.
      logger.warn({ endpointId: r.id }, 'local-models: stored API key cannot be decrypted');
      return null;
    }
  }

  /** Lists the endpoint's models within HEALTH_CHECK_TIMEOUT_MS; never throws. */
  const probe = (r: repo.EndpointRow): Promise<ProbeResult> =>
    probeEndpoint(
      { baseUrl: r.baseUrl, endpointType: r.endpointType, apiKey: apiKeyOf(r) },
      { timeoutMs: config.localModels.healthCheckTimeoutMs, ...policy },
    );

  /** The base-URL rule every user-given URL follows. @throws url_not_allowed naming `field` */
  const baseUrlOf = (raw: string, field = 'base_url') => checkBaseUrl(raw, { ...policy, field });

  /** Stores a new endpoint (key sealed) and its audit row in one transaction: create and import share it. */
  async function insertWithAudit(userId: string, input: NewEndpoint, source?: 'import') {
    return db.transaction(async (tx) => {
      const created = await repo.insertEndpoint(tx, {
        userId,
        name: input.name,
        baseUrl: input.baseUrl,
        endpointType: input.endpointType,
        isActive: input.isActive,
        ...(input.availableModels ? { availableModels: input.availableModels } : {}),
        ...(input.apiKey ? box.sealApiKey(input.apiKey) : {}),
      });
      await recordAudit(tx, {
        actorId: userId,
        action: 'local_model.create',
        targetType: AUDIT_TARGET,
        targetId: created.id,
        details: {
          name: input.name,
          base_url: input.baseUrl,
          endpoint_type: input.endpointType,
          ...(source ? { source } : {}),
        },
      });
      return created;
    });
  }

  return {
    db,
    config,
    logger,
    box,
    policy,
    apiKeyOf,
    notify,
    healthChanged,
    baseUrlOf,
    insertWithAudit,

    probe,

    /** Probes `r`, logs the check, updates the endpoint and tells the catalogue if what it shows changed. */
    async check(r: repo.EndpointRow): Promise<repo.EndpointRow> {
      const after = await repo.recordCheck(db, r.id, outcomeOf(await probe(r), true));
      if (!after) return r;
      if (visibleChange(r, after)) await notify(after.userId);
      return after;
    },

    /**
     * Writes a scheduled round's results in one transaction, after every probe has finished: a slow database
     * then never eats into the probes' timeouts, and N checks cost one commit. Claims already stamped the time.
     */
    async recordRound(
      checked: { row: repo.EndpointRow; result: ProbeResult }[],
    ): Promise<repo.EndpointRow[]> {
      const pairs = await db.transaction(async (tx) => {
        const out: { before: repo.EndpointRow; after: repo.EndpointRow }[] = [];
        for (const { row, result } of checked) {
          const after = await repo.applyCheck(tx, row.id, outcomeOf(result, false));
          if (after) out.push({ before: row, after });
        }
        return out;
      });
      const changed = new Set(
        pairs.filter((p) => visibleChange(p.before, p.after)).map((p) => p.after.userId),
      );
      for (const userId of changed) await notify(userId);
      return pairs.map((p) => p.after);
    },
  };
}

export type Core = ReturnType<typeof createCore>;
