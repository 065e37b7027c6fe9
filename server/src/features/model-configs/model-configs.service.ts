import {
  type CreateModelConfigBody,
  GGUF_PROVIDER,
  isGgufProvider,
  LOCAL_ENDPOINT_PROVIDER,
  type ModelConfigDto,
  type PageQuery,
  type UpdateModelConfigBody,
} from '@pocketllm/contracts';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { AppError, invalidField, notFound } from '../../errors.js';
import { checkBaseUrl } from '../../lib/base-url.js';
import { NO_API_KEY, type SecretBox } from '../../lib/crypto.js';
import { decodeIdCursor, page } from '../../lib/cursor.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import type { ProviderTarget } from '../../llm/types.js';
import { notConfigured, type ProvidersService, specOf } from '../providers/providers.service.js';
import * as repo from './model-configs.repository.js';

/** A configuration's provider as stored: `local` without an endpoint is the old name of `gguf`. */
const storedProvider = (provider: string, localEndpointId: string | null) =>
  isGgufProvider(provider, localEndpointId) ? GGUF_PROVIDER : provider;
const isPseudo = (provider: string) => provider === GGUF_PROVIDER || provider === LOCAL_ENDPOINT_PROVIDER;

/** A body's sampling settings and default flag, as columns (what a body leaves out stays undefined). */
const samplingColumns = <B extends CreateModelConfigBody | UpdateModelConfigBody>(body: B) => ({
  temperature: body.temperature,
  maxTokens: body.max_tokens,
  topP: body.top_p,
  frequencyPenalty: body.frequency_penalty,
  presencePenalty: body.presence_penalty,
  isDefault: body.is_default,
});

export interface ModelConfigsDeps {
  db: Db;
  config: Config;
  /** Seals own keys at rest (built once, in services.ts). */
  box: SecretBox;
  providers: Pick<ProvidersService, 'resolveTarget'>;
  /** GGUF files run in process: the target of a `gguf` configuration. */
  gguf?: { resolveTarget(model: string): ProviderTarget };
  /** Told `models.changed` after any of the user's configurations changed (what sends resolve to, the default). */
  events: DomainEvents;
}

function toDto(row: repo.ModelConfigRow): ModelConfigDto {
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    model: row.model,
    base_url: row.baseUrl,
    local_model_id: row.localEndpointId,
    has_api_key: Boolean(row.apiKeyEnc),
    api_key_preview: row.apiKeyPreview,
    system_prompt: row.systemPrompt,
    temperature: row.temperature,
    max_tokens: row.maxTokens,
    top_p: row.topP,
    frequency_penalty: row.frequencyPenalty,
    presence_penalty: row.presencePenalty,
    is_default: row.isDefault,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** The resulting provider/base/key of a create or update, checked as a whole. */
interface Shape {
  provider: string;
  baseUrl: string | null;
  hasOwnKey: boolean;
  localEndpointId: string | null;
}

/** Users' saved model settings; one default per user; an own key is sealed like provider keys. */
export function createModelConfigsService(deps: ModelConfigsDeps) {
  const { db } = deps;
  const { box } = deps;

  const open = (sealed: string, what: string) => {
    try {
      return box.open(sealed);
    } catch {
      throw new AppError(
        'provider_not_configured',
        `${what} has a saved key that can no longer be read: enter it again`,
      );
    }
  };

  /** @throws validation_error naming the field that makes the combination unusable */
  async function checkShape(userId: string, s: Shape, checkEndpoint: boolean) {
    // `gguf` is a file in MODELS_DIR, run in process (checked when used); `local` is the user's endpoint.
    if (!isPseudo(s.provider)) {
      const spec = specOf(s.provider);
      // A saved provider key goes only to the provider's own URL, so a custom URL brings its own key.
      if (s.baseUrl && !s.hasOwnKey && spec.needs_api_key) {
        throw invalidField('api_key', `a custom base_url for ${spec.display_name} needs its own api_key`);
      }
    }
    if (
      checkEndpoint &&
      s.localEndpointId &&
      !(await repo.findLocalEndpoint(db, userId, s.localEndpointId))
    ) {
      throw invalidField('local_model_id', 'no such local endpoint');
    }
  }

  const normBase = (provider: string, raw: string) =>
    checkBaseUrl(raw, {
      provider: isPseudo(provider) ? 'openai-compatible' : provider,
      allowPrivate: deps.config.localModels.allowPrivateEndpoints,
    });

  /** Writes, clearing the user's other defaults first in the same transaction, under the user's default lock. */
  const writeWithDefault = <T>(userId: string, makeDefault: boolean, write: (tx: Db) => Promise<T>) =>
    db.transaction(async (tx) => {
      if (makeDefault) {
        await repo.lockDefaults(tx, userId);
        await repo.clearDefaults(tx, userId);
      }
      return write(tx);
    });

  async function get(userId: string, id: string): Promise<ModelConfigDto> {
    const row = await repo.findConfig(db, userId, id);
    if (!row) throw notFound('Model configuration');
    return toDto(row);
  }

  return {
    get,

    async list(userId: string, q: PageQuery) {
      const before = q.cursor ? decodeIdCursor(q.cursor) : undefined;
      const rows = await repo.listConfigs(db, userId, q.limit + 1, before);
      const { items, nextCursor } = page(rows, q.limit, (r) => [r.id]);
      return { model_configs: items.map(toDto), next_cursor: nextCursor };
    },

    async getDefault(userId: string): Promise<ModelConfigDto | null> {
      const row = await repo.findDefault(db, userId);
      return row ? toDto(row) : null;
    },

    async create(userId: string, body: CreateModelConfigBody): Promise<ModelConfigDto> {
      const baseUrl = body.base_url ? await normBase(body.provider, body.base_url) : null;
      const localEndpointId = body.local_model_id ?? null;
      const provider = storedProvider(body.provider, localEndpointId);
      const shape = { provider, baseUrl, hasOwnKey: Boolean(body.api_key), localEndpointId };
      await checkShape(userId, shape, true);
      const row = await writeWithDefault(userId, body.is_default, (tx) =>
        repo.insertConfig(tx, {
          userId,
          name: body.name,
          provider,
          model: body.model,
          baseUrl,
          localEndpointId,
          ...(body.api_key ? box.sealApiKey(body.api_key) : {}),
          systemPrompt: body.system_prompt ?? null,
          ...samplingColumns(body),
        }),
      );
      await deps.events.emit('models.changed', { userId });
      return toDto(row);
    },

    async update(userId: string, id: string, body: UpdateModelConfigBody): Promise<ModelConfigDto> {
      const row = await repo.findConfig(db, userId, id);
      if (!row) throw notFound('Model configuration');
      const localEndpointId = body.local_model_id === undefined ? row.localEndpointId : body.local_model_id;
      const provider = storedProvider(body.provider ?? row.provider, localEndpointId);
      const set: repo.ModelConfigSet = {};
      if (body.base_url !== undefined)
        set.baseUrl = body.base_url && (await normBase(provider, body.base_url));
      const baseUrl = set.baseUrl === undefined ? row.baseUrl : set.baseUrl;
      if (body.api_key) Object.assign(set, box.sealApiKey(body.api_key));
      else if (body.api_key === null) Object.assign(set, NO_API_KEY);
      else if (row.apiKeyEnc && (provider !== row.provider || baseUrl !== row.baseUrl)) {
        throw invalidField('api_key', 'enter the key again when changing provider or base_url');
      }
      const hasOwnKey = body.api_key === undefined ? Boolean(row.apiKeyEnc) : Boolean(body.api_key);
      await checkShape(
        userId,
        { provider, baseUrl, hasOwnKey, localEndpointId },
        body.local_model_id !== undefined,
      );
      const fields = {
        name: body.name,
        provider: provider === row.provider ? undefined : provider,
        model: body.model,
        localEndpointId: body.local_model_id,
        systemPrompt: body.system_prompt,
        ...samplingColumns(body),
      };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) Object.assign(set, { [k]: v });
      const updated = await writeWithDefault(userId, body.is_default === true, (tx) =>
        repo.updateConfig(tx, userId, id, set),
      );
      if (!updated) throw notFound('Model configuration');
      await deps.events.emit('models.changed', { userId });
      return toDto(updated);
    },

    async remove(userId: string, id: string): Promise<void> {
      if (!(await repo.deleteConfig(db, userId, id))) throw notFound('Model configuration');
      await deps.events.emit('models.changed', { userId });
    },

    /**
     * The configuration and where to send it: its own key (with its own base URL or the provider's default),
     * its local endpoint, or else the user's provider credential. The user's provider key is never sent to
     * a base URL other than the one it was saved with.
     */
    async resolveTarget(
      userId: string,
      configId: string,
    ): Promise<{ config: ModelConfigDto; target: ProviderTarget }> {
      const row = await repo.findConfig(db, userId, configId);
      if (!row) throw notFound('Model configuration');
      const config = toDto(row);
      if (row.localEndpointId) {
        const ep = await repo.findLocalEndpoint(db, userId, row.localEndpointId);
        if (!ep?.isActive) {
          throw new AppError(
            'provider_not_configured',
            `The local endpoint of "${row.name}" is missing or turned off`,
          );
        }
        const target: ProviderTarget = {
          provider: LOCAL_ENDPOINT_PROVIDER,
          adapter: ep.endpointType === 'ollama' ? 'ollama' : 'openai-compatible',
          baseUrl: ep.baseUrl,
          apiKey: ep.apiKeyEnc ? open(ep.apiKeyEnc, `Local endpoint "${ep.name}"`) : null,
          localEndpointId: ep.id,
        };
        return { config, target };
      }
      if (row.provider === LOCAL_ENDPOINT_PROVIDER) {
        throw new AppError(
          'provider_not_configured',
          `The local endpoint of "${row.name}" is missing or turned off`,
        );
      }
      if (row.provider === GGUF_PROVIDER) {
        if (!deps.gguf)
          throw new AppError('provider_not_configured', 'In-process models are not available here');
        return { config, target: deps.gguf.resolveTarget(row.model) };
      }
      const spec = specOf(row.provider);
      if (row.apiKeyEnc) {
        const baseUrl = row.baseUrl ?? spec.default_base_url;
        if (!baseUrl) throw notConfigured(spec, 'has no base URL in this model configuration');
        const apiKey = open(row.apiKeyEnc, `Model configuration "${row.name}"`);
        return { config, target: { provider: spec.provider, adapter: spec.adapter, baseUrl, apiKey } };
      }
      if (!row.baseUrl) return { config, target: await deps.providers.resolveTarget(userId, spec.provider) };
      const fromProvider = await deps.providers.resolveTarget(userId, spec.provider).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'provider_not_configured' && !spec.needs_api_key)
          return null;
        throw err;
      });
      if (fromProvider?.baseUrl === row.baseUrl) return { config, target: fromProvider };
      if (spec.needs_api_key) throw notConfigured(spec, `needs an API key for ${row.baseUrl}`);
      return {
        config,
        target: { provider: spec.provider, adapter: spec.adapter, baseUrl: row.baseUrl, apiKey: null },
      };
    },
  };
}

export type ModelConfigsService = ReturnType<typeof createModelConfigsService>;
