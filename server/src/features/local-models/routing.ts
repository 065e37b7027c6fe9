/** How chats and the catalogue use local endpoints: target resolution with failover, the breaker, the catalogue source. */
import { type CatalogModel, LOCAL_ENDPOINT_PROVIDER } from '@pocketllm/contracts';
import { AppError, notFound } from '../../errors.js';
import { assertAllowedUrl } from '../../lib/url-policy.js';
import type { ProviderTarget } from '../../llm/types.js';
import type { SourceResult } from '../models/models.cache.js';
import { BREAKER_THRESHOLD, type Core, isCircuitOpen, isUsable } from './local-models.core.js';
import * as repo from './local-models.repository.js';

export interface ResolvedLocalTarget {
  target: ProviderTarget;
  /** Set when the chosen endpoint was unavailable and another of the user's endpoints serves the model. */
  failover?: { from: string; to: string; reason: string };
}

function unavailableReason(r: repo.EndpointRow): string | null {
  if (!r.isActive) return 'endpoint is disabled';
  if (isCircuitOpen(r)) return `circuit open after ${r.consecutiveFailures} consecutive failures`;
  if (r.healthStatus === 'unhealthy') return `unhealthy${r.errorMessage ? `: ${r.errorMessage}` : ''}`;
  return null;
}

export function createRouting(core: Core) {
  const { db } = core;

  const targetOf = (r: repo.EndpointRow): ProviderTarget => ({
    provider: LOCAL_ENDPOINT_PROVIDER,
    adapter: r.endpointType === 'ollama' ? 'ollama' : 'openai-compatible',
    baseUrl: r.baseUrl,
    apiKey: core.apiKeyOf(r),
    localEndpointId: r.id,
  });

  /**
   * The policy again, at send time: ALLOW_PRIVATE_ENDPOINTS may have been turned off since the URL was saved,
   * and a name may now resolve elsewhere (the adapters' global fetch does not re-check what it connects to).
   */
  async function checkedTarget(r: repo.EndpointRow): Promise<ProviderTarget> {
    try {
      await assertAllowedUrl(r.baseUrl, { ...core.policy, allowUnresolved: true });
    } catch (err) {
      const why = err instanceof AppError ? err.message.replace(/^base_url: /, '') : 'is not allowed';
      throw new AppError('url_not_allowed', `local_model_id: the base URL of endpoint "${r.name}" ${why}`, {
        details: { field: 'local_model_id', local_model_id: r.id },
        cause: err,
      });
    }
    return targetOf(r);
  }

  return {
    /**
     * Where a chat with `model` on the user's endpoint `localModelId` goes. A usable endpoint is used as is.
     * An unavailable one (disabled, unhealthy, circuit open) fails over to the fastest healthy active endpoint
     * of the same user listing `model`. With none: an open circuit or a disabled endpoint fails fast; an
     * endpoint that only failed its last check (breaker still closed) is tried anyway, since it may be back.
     * @throws not_found (another user's endpoint too), endpoint_unavailable (503), url_not_allowed (400: the
     * base URL is refused by the current policy)
     */
    async resolveTarget(userId: string, localModelId: string, model: string): Promise<ResolvedLocalTarget> {
      const chosen = await repo.findEndpoint(db, userId, localModelId);
      if (!chosen) throw notFound('Local model endpoint');
      const reason = unavailableReason(chosen);
      if (!reason) return { target: await checkedTarget(chosen) };
      const candidates = await repo.endpointsServing(db, userId, model, chosen.id);
      const backup = candidates.find((c) => c.healthStatus === 'healthy' && isUsable(c));
      if (backup)
        return { target: await checkedTarget(backup), failover: { from: chosen.id, to: backup.id, reason } };
      if (chosen.isActive && !isCircuitOpen(chosen)) return { target: await checkedTarget(chosen) };
      throw new AppError(
        'endpoint_unavailable',
        `local_model_id: endpoint "${chosen.name}" is unavailable (${reason}) and no other healthy endpoint serves ${model}`,
        { details: { field: 'local_model_id', local_model_id: chosen.id } },
      );
    },

    /** Request-time failover (features/chats/pipeline/failover.ts): where to go next, and what the failed one is now. */
    failover: {
      /**
       * The fastest of the user's other healthy, usable endpoints listing `model`, none of `tried`, whose base
       * URL the current policy still allows; null when there is none.
       */
      async nextTarget(userId: string, model: string, tried: string[]): Promise<ProviderTarget | null> {
        const [first = '', ...rest] = tried;
        const rows = await repo.endpointsServing(db, userId, model, first);
        for (const r of rows) {
          if (rest.includes(r.id) || r.healthStatus !== 'healthy' || !isUsable(r)) continue;
          const target = await checkedTarget(r).catch(() => null);
          if (target) return target;
        }
        return null;
      },

      /**
       * An endpoint that failed a chat before its first byte: logged and applied like a failed health check
       * (unhealthy, one more consecutive failure), and announced like one. Never throws (logged).
       */
      async markUnhealthy(endpointId: string, error: string, elapsedMs: number): Promise<void> {
        try {
          const after = await repo.recordCheck(db, endpointId, {
            ok: false,
            responseTimeMs: elapsedMs,
            error,
            stampTime: true,
          });
          if (after) await core.healthChanged(after);
        } catch (err) {
          core.logger.error(
            { err, endpointId },
            'local endpoint: could not mark it unhealthy after a failover',
          );
        }
      },
    },

    /**
     * A chat's outcome on an endpoint. Report ok=false only for failures of the endpoint itself (unreachable,
     * timeout, 5xx), not for a bad request: BREAKER_THRESHOLD of them in a row open the circuit; ok=true closes it.
     */
    async recordResult(endpointId: string, ok: boolean, error?: string): Promise<void> {
      // Callers fire and forget (`void`): a database hiccup here must be logged, never an unhandled rejection.
      try {
        const { before, after } = await repo.recordChatResult(
          db,
          endpointId,
          ok,
          error ?? null,
          BREAKER_THRESHOLD,
        );
        if (!before || !after) return;
        if (isCircuitOpen(before) !== isCircuitOpen(after) || before.healthStatus !== after.healthStatus) {
          if (isCircuitOpen(after)) core.logger.warn({ endpointId }, 'local endpoint circuit opened');
          await core.notify(after.userId);
        }
      } catch (err) {
        core.logger.error({ err, endpointId }, 'local endpoint: could not record a chat result');
      }
    },

    /** The catalogue source: every active endpoint's stored models, from the database (never calls them). */
    catalogSource: {
      name: 'local',
      async list(userId: string): Promise<SourceResult> {
        const rows = await repo.allEndpointsOf(db, userId);
        const models: CatalogModel[] = rows
          .filter((r) => r.isActive)
          .flatMap((r) =>
            r.availableModels.map((m) => ({
              id: m,
              name: `${m} (${r.name})`,
              provider: LOCAL_ENDPOINT_PROVIDER,
              kind: m.includes('embed') ? ('embedding' as const) : ('chat' as const),
              owned_by: r.name,
              local_model_id: r.id,
              health_status: r.healthStatus,
              unavailable: !isUsable(r),
            })),
          );
        return { models, errors: [] };
      },
    },
  };
}
