import { LRUCache } from 'lru-cache';
import type { DomainEvents } from '../../../lib/domain-events.js';
import type { EventBus } from '../../../lib/event-bus.js';
import type { ProviderTarget } from '../../../llm/types.js';

/** A model configuration with where it is sent, as a send reads it. */
export interface ModelSettings {
  id: string;
  model: string;
  local_model_id: string | null;
  system_prompt: string | null;
  temperature: number;
  max_tokens: number;
  top_p: number;
  frequency_penalty: number;
  presence_penalty: number;
}
export interface ConfigTarget {
  config: ModelSettings;
  target: ProviderTarget;
}

/** What a user's model configurations and provider credentials resolve to, kept between sends. */
interface UserTargets {
  /** By model configuration id, and `''` for the user's default configuration. */
  configs: Map<string, ConfigTarget>;
  /** By provider name (a send naming provider + model). */
  providers: Map<string, ProviderTarget>;
}

/** The bus channel on which any instance says "this user's models or credentials changed". */
export const TARGETS_CHANGED = 'model-targets.changed';

/**
 * Resolving a send's model costs up to three reads and a decryption; the answer only changes when the user
 * edits a model configuration, a provider credential or a local endpoint. Those services emit `models.changed`,
 * which reaches every instance through the bus; the TTL bounds staleness should a bus message be lost.
 * Only targets that depend on stored rows alone are kept: a local endpoint's target follows its health
 * (failover) and is resolved on every send.
 */
export function createTargetCache(opts: {
  bus: EventBus;
  /** `models.changed` (a configuration, credential or endpoint of the user) drops the user's targets. */
  events?: DomainEvents;
  ttlMs?: number;
  maxUsers?: number;
}) {
  const users = new LRUCache<string, UserTargets>({
    max: opts.maxUsers ?? 10_000,
    ttl: opts.ttlMs ?? 60_000,
  });
  // Bumped on every invalidation: a resolution that started before one may have read the old rows, so
  // whatever it found is not kept.
  let epoch = 0;
  const forget = (userId: string) => {
    epoch++;
    users.delete(userId);
  };
  opts.bus.subscribe(TARGETS_CHANGED, (msg) => {
    if (typeof msg.userId === 'string') forget(msg.userId);
  });
  const entry = (userId: string) => {
    let e = users.get(userId);
    if (!e) {
      e = { configs: new Map(), providers: new Map() };
      users.set(userId, e);
    }
    return e;
  };
  const cacheable = (t: ProviderTarget) => !t.localEndpointId && t.adapter !== 'llama-cpp';

  const invalidate = (userId: string) => {
    forget(userId);
    opts.bus.publish(TARGETS_CHANGED, { userId });
  };
  opts.events?.on('models.changed', ({ userId }) => invalidate(userId));

  return {
    /** Call before reading what a later `set…` stores; pass the result to it. */
    begin: () => epoch,
    config: (userId: string, configId: string | null) => users.get(userId)?.configs.get(configId ?? ''),
    setConfig(userId: string, configId: string | null, value: ConfigTarget, since: number) {
      if (since === epoch && cacheable(value.target)) entry(userId).configs.set(configId ?? '', value);
    },
    provider: (userId: string, provider: string) => users.get(userId)?.providers.get(provider),
    setProvider(userId: string, provider: string, value: ProviderTarget, since: number) {
      if (since === epoch && cacheable(value)) entry(userId).providers.set(provider, value);
    },
    /** Drops the user's resolved targets here and on every other instance. */
    invalidate,
  };
}

export type TargetCache = ReturnType<typeof createTargetCache>;
