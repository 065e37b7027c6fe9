import type { CatalogError, CatalogModel, ModelsResponse, TestProviderBody } from '@pocketllm/contracts';
import type { Config } from '../../config.js';
import { AppError, invalidField } from '../../errors.js';
import { checkBaseUrl } from '../../lib/base-url.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import { capabilitiesOf, listedCapabilities } from '../../llm/capabilities.js';
import { PROVIDER_NAMES, providerSpec } from '../../llm/catalog.js';
import { sanitizeMessage } from '../../llm/http.js';
import {
  type LlmProvider,
  ProviderError,
  type ProviderTarget,
  type ProviderTimeouts,
} from '../../llm/types.js';
import { type ProvidersService, specOf } from '../providers/providers.service.js';
import type { ModelsCache, SourceResult } from './models.cache.js';

/** Anything that adds models to a user's catalogue besides the cloud providers (local endpoints, GGUF files). */
export interface CatalogSource {
  name: string;
  list(userId: string): Promise<SourceResult>;
}

export interface ModelsDeps {
  config: Config;
  providers: Pick<ProvidersService, 'resolveTarget' | 'activeProviders'>;
  cache: ModelsCache;
  /** The composition root's adapter factory: connects through the URL policy (base URLs are user-supplied). */
  createProvider: (target: ProviderTarget, timeouts: ProviderTimeouts) => LlmProvider;
  /** Catalogues besides the cloud providers (local endpoints, GGUF files). */
  sources?: CatalogSource[];
  /** On `models.changed` naming a provider, that user's cached list of it is dropped. */
  events: DomainEvents;
}

const providerKey = (provider: string) => `provider:${provider}`;
const sourceKey = (name: string) => `source:${name}`;

/** Runs `fn` with an AbortSignal that fires after `ms`, and rejects then even if `fn` ignores the signal. */
async function withTimeout<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctl.abort();
      reject(new ProviderError('timeout', `no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([fn(ctl.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A message fit for the user: the adapter's or ours, never a key. */
function errorMessage(err: unknown, secret: string | null): string {
  if (err instanceof ProviderError || err instanceof AppError) return sanitizeMessage(err.message, secret);
  return 'could not list models';
}

function summary(
  models: CatalogModel[],
  configured: string[],
  errors: CatalogError[],
  scope?: string,
): string {
  if (!configured.length && !models.length) {
    const what = scope
      ? `${providerSpec(scope)?.display_name ?? scope} is not set up`
      : 'No provider is set up yet';
    return `${what}: add an API key (or a base URL for Ollama and OpenAI-compatible servers) in Settings → Providers.`;
  }
  const failed = errors.map((e) => e.provider).join(', ');
  const found = `${models.length} model${models.length === 1 ? '' : 's'} available`;
  return failed
    ? `${found}; could not reach ${failed}: check the key and base URL in Settings → Providers.`
    : found;
}

/**
 * A source's model with its capabilities when the maintained list gives it any (absent means text only).
 * GGUF models run in process take text only.
 */
function withCapabilities(source: string, m: CatalogModel): CatalogModel {
  if (m.capabilities || m.kind !== 'chat' || source === 'gguf') return m;
  const capabilities = listedCapabilities(m.id);
  return capabilities.length ? { ...m, capabilities } : m;
}

/**
 * The model catalogue: every configured provider (and every added source) asked in parallel, each with its
 * own timeout and its own cache entry, so one slow or failing provider neither fails nor slows the rest.
 */
export function createModelsService(deps: ModelsDeps) {
  const { config, providers, cache } = deps;
  const timeoutMs = config.providers.modelsTimeoutMs;
  const sources = new Map<string, CatalogSource>((deps.sources ?? []).map((s) => [s.name, s]));

  async function fetchProvider(userId: string, provider: string): Promise<SourceResult> {
    let secret: string | null = null;
    try {
      const target = await providers.resolveTarget(userId, provider);
      secret = target.apiKey;
      const llm = deps.createProvider(target, config.providers);
      const infos = await withTimeout(timeoutMs, (signal) => llm.listModels(signal));
      const models = infos.map(
        (m): CatalogModel => ({
          id: m.id,
          name: m.name,
          provider,
          kind: m.kind,
          ...(m.context_length !== undefined ? { context_length: Math.round(m.context_length) } : {}),
          ...(m.owned_by !== undefined ? { owned_by: m.owned_by } : {}),
          ...(m.kind === 'chat' ? { capabilities: capabilitiesOf(m.id, m.capabilities) } : {}),
        }),
      );
      return { models, errors: [] };
    } catch (err) {
      return { models: [], errors: [{ provider, message: errorMessage(err, secret) }] };
    }
  }

  async function fetchSource(userId: string, source: CatalogSource): Promise<SourceResult> {
    try {
      const found = await withTimeout(timeoutMs, () => source.list(userId));
      return { ...found, models: found.models.map((m) => withCapabilities(source.name, m)) };
    } catch (err) {
      return { models: [], errors: [{ provider: source.name, message: errorMessage(err, null) }] };
    }
  }

  /** Cached per user and source; answers with errors are not cached, so a fixed provider shows up at once. */
  async function cached(userId: string, key: string, refresh: boolean, load: () => Promise<SourceResult>) {
    if (!refresh) {
      const hit = await cache.get(userId, key);
      if (hit) return hit;
    }
    const fresh = await load();
    if (!fresh.errors.length) await cache.set(userId, key, fresh);
    return fresh;
  }

  function respond(results: SourceResult[], configured: string[], all: readonly string[], scope?: string) {
    const models = results.flatMap((r) => r.models);
    const errors = results.flatMap((r) => r.errors);
    return {
      models,
      message: summary(models, configured, errors, scope),
      configured_providers: configured,
      missing_providers: all.filter((p) => !configured.includes(p)),
      errors,
    } satisfies ModelsResponse;
  }

  async function invalidate(userId: string, source?: string): Promise<void> {
    const keys = source
      ? [providerKey(source), sourceKey(source)]
      : [...PROVIDER_NAMES.map(providerKey), ...[...sources.keys()].map(sourceKey)];
    await cache.invalidate(userId, keys);
  }
  deps.events.on('models.changed', ({ userId, provider }) =>
    provider ? invalidate(userId, provider) : undefined,
  );

  return {
    /** Lets another feature add models to every user's catalogue (local endpoints, GGUF files). */
    addSource(source: CatalogSource): void {
      sources.set(source.name, source);
    },

    /**
     * What a send's model takes besides text: the catalogue's entry (cached; fetched only when not yet),
     * else the maintained list. GGUF models run in process take text only.
     */
    async capabilitiesOf(userId: string, target: ProviderTarget, model: string): Promise<string[]> {
      if (target.adapter === 'llama-cpp') return [];
      if (target.localEndpointId || !PROVIDER_NAMES.includes(target.provider))
        return listedCapabilities(model);
      const listed = await cached(userId, providerKey(target.provider), false, () =>
        fetchProvider(userId, target.provider),
      );
      return listed.models.find((m) => m.id === model)?.capabilities ?? listedCapabilities(model);
    },

    /** Drops a user's cached lists: one provider or added source by name, or everything when omitted. */
    invalidate,

    /** `GET /models`: every configured, active provider and every added source. */
    async list(userId: string, opts: { refresh: boolean }): Promise<ModelsResponse> {
      const configured = await providers.activeProviders(userId);
      const results = await Promise.all([
        ...configured.map((p) =>
          cached(userId, providerKey(p), opts.refresh, () => fetchProvider(userId, p)),
        ),
        ...[...sources.values()].map((s) =>
          cached(userId, sourceKey(s.name), opts.refresh, () => fetchSource(userId, s)),
        ),
      ]);
      return respond(results, configured, PROVIDER_NAMES);
    },

    /** `GET /providers/{provider}/models`: one catalogue provider. @throws validation_error for an unknown name */
    async listProvider(
      userId: string,
      provider: string,
      opts: { refresh: boolean },
    ): Promise<ModelsResponse> {
      const spec = specOf(provider);
      const active = await providers.activeProviders(userId);
      const configured = active.includes(spec.provider) ? [spec.provider] : [];
      const results = configured.length
        ? [
            await cached(userId, providerKey(spec.provider), opts.refresh, () =>
              fetchProvider(userId, spec.provider),
            ),
          ]
        : [];
      return respond(results, configured, [spec.provider], spec.provider);
    },

    /**
     * `POST /providers/test`: lists the models with a key not saved yet (or the saved one), storing nothing.
     * A saved key is only tried against its own base URL: another base URL needs the key typed again, as
     * when saving. @throws validation_error, url_not_allowed, provider_not_configured
     */
    async testConnection(userId: string, body: TestProviderBody) {
      const spec = specOf(body.provider);
      const allowPrivate = config.localModels.allowPrivateEndpoints;
      const wanted = body.base_url
        ? await checkBaseUrl(body.base_url, { provider: spec.provider, allowPrivate })
        : null;
      let target: ProviderTarget;
      if (body.api_key || (!spec.needs_api_key && wanted)) {
        const baseUrl = wanted ?? spec.default_base_url;
        if (!baseUrl) throw invalidField('base_url', `${spec.display_name} needs a base URL`);
        target = { provider: spec.provider, adapter: spec.adapter, baseUrl, apiKey: body.api_key ?? null };
      } else {
        target = await providers.resolveTarget(userId, spec.provider);
        if (wanted && wanted !== target.baseUrl)
          throw invalidField('api_key', 'enter the key again to try it with another base URL');
      }
      const started = Date.now();
      try {
        const llm = deps.createProvider(target, config.providers);
        const infos = await withTimeout(timeoutMs, (signal) => llm.listModels(signal));
        return { ok: true, models: infos.map((m) => m.id), latency_ms: Date.now() - started, error: null };
      } catch (err) {
        return {
          ok: false,
          models: [],
          latency_ms: Date.now() - started,
          error: {
            code: err instanceof ProviderError ? err.kind : 'provider_error',
            message: errorMessage(err, target.apiKey),
          },
        };
      }
    },
  };
}

export type ModelsService = ReturnType<typeof createModelsService>;
