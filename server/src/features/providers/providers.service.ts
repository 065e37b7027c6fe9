import type { ActivateProviderBody, ProviderStatus, UpdateProviderBody } from '@pocketllm/contracts';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { AppError, invalidField, notFound } from '../../errors.js';
import { checkBaseUrl } from '../../lib/base-url.js';
import { NO_API_KEY, type SecretBox } from '../../lib/crypto.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import { PROVIDER_NAMES, PROVIDERS, type ProviderSpec, providerSpec } from '../../llm/catalog.js';
import type { ProviderTarget } from '../../llm/types.js';
import { recordAudit } from '../audit/audit.service.js';
import * as repo from './providers.repository.js';

const MAX_METADATA_BYTES = 16 * 1024;

export interface ProvidersDeps {
  db: Db;
  config: Config;
  /** Seals keys at rest (built once, in services.ts). */
  box: SecretBox;
  /** Told `models.changed` after a user's credential for a provider changed (catalogue and send targets drop it). */
  events: DomainEvents;
}

/** @throws validation_error naming `provider` for a name that is not in the catalogue */
export function specOf(provider: string): ProviderSpec {
  const spec = providerSpec(provider);
  if (!spec)
    throw invalidField('provider', `unknown provider "${provider}"; supported: ${PROVIDER_NAMES.join(', ')}`);
  return spec;
}

export const notConfigured = (spec: ProviderSpec, why: string) =>
  new AppError(
    'provider_not_configured',
    `${spec.display_name} ${why}: add ${spec.needs_api_key ? 'an API key' : 'a base URL'} in Settings → Providers`,
    { details: { provider: spec.provider } },
  );

function checkMetadata(metadata: Record<string, unknown> | undefined) {
  if (metadata && JSON.stringify(metadata).length > MAX_METADATA_BYTES) {
    throw invalidField('metadata', `must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
  }
}

function toStatus(spec: ProviderSpec, row: repo.CredentialRow | undefined): ProviderStatus {
  return {
    provider: spec.provider,
    display_name: spec.display_name,
    kinds: spec.kinds,
    default_base_url: spec.default_base_url,
    needs_api_key: spec.needs_api_key,
    configured: Boolean(row),
    is_active: row?.isActive ?? false,
    base_url: row ? (row.baseUrl ?? spec.default_base_url) : null,
    api_key_preview: row?.apiKeyPreview ?? null,
    metadata: row?.metadata ?? {},
    updated_at: row?.updatedAt.toISOString() ?? null,
  };
}

/** Users' provider credentials: keys sealed at rest, only ever sent to the base URL they were saved with. */
export function createProvidersService(deps: ProvidersDeps) {
  const { db } = deps;
  const { box } = deps;
  const allowPrivate = deps.config.localModels.allowPrivateEndpoints;
  const changed = async (userId: string, provider: string) => {
    await deps.events.emit('models.changed', { userId, provider });
  };
  const baseUrlOf = (provider: string, raw: string) => checkBaseUrl(raw, { provider, allowPrivate });

  return {
    /** Every supported provider, merged with the caller's stored credential. */
    async list(userId: string): Promise<ProviderStatus[]> {
      const rows = new Map((await repo.listCredentials(db, userId)).map((r) => [r.provider, r]));
      return PROVIDERS.map((spec) => toStatus(spec, rows.get(spec.provider)));
    },

    /** The providers whose models the catalogue should ask for: a stored, active credential. */
    async activeProviders(userId: string): Promise<string[]> {
      const rows = await repo.listCredentials(db, userId);
      return rows.filter((r) => r.isActive && providerSpec(r.provider)).map((r) => r.provider);
    },

    /** Stores (or replaces) the caller's credential for a provider and turns it on. */
    async activate(userId: string, body: ActivateProviderBody): Promise<ProviderStatus> {
      const spec = specOf(body.provider);
      if (spec.needs_api_key && !body.api_key)
        throw invalidField('api_key', `${spec.display_name} needs an API key`);
      const baseUrl = body.base_url ? await baseUrlOf(spec.provider, body.base_url) : null;
      if (!baseUrl && !spec.default_base_url)
        throw invalidField('base_url', `${spec.display_name} needs a base URL`);
      checkMetadata(body.metadata);
      const row = await db.transaction(async (tx) => {
        const saved = await repo.upsertCredential(tx, {
          userId,
          provider: spec.provider,
          ...(body.api_key ? box.sealApiKey(body.api_key) : NO_API_KEY),
          baseUrl,
          metadata: body.metadata ?? {},
          isActive: true,
        });
        await recordAudit(tx, {
          actorId: userId,
          action: 'provider.activate',
          targetType: 'provider_credential',
          targetId: saved.id,
          details: { provider: spec.provider, base_url: baseUrl, has_api_key: Boolean(body.api_key) },
        });
        return saved;
      });
      await changed(userId, spec.provider);
      return toStatus(spec, row);
    },

    /**
     * Changes a stored credential. Moving it to another base URL requires the key again, so a stolen
     * session cannot redirect a saved key to a server of its choosing.
     */
    async update(userId: string, provider: string, body: UpdateProviderBody): Promise<ProviderStatus> {
      const spec = specOf(provider);
      const row = await repo.findCredential(db, userId, spec.provider);
      if (!row) throw notFound('Provider credential');
      const set: Parameters<typeof repo.updateCredential>[2] = {};
      if (body.base_url !== undefined) {
        set.baseUrl = body.base_url === null ? null : await baseUrlOf(spec.provider, body.base_url);
        if (!set.baseUrl && !spec.default_base_url) {
          throw invalidField('base_url', `${spec.display_name} needs a base URL`);
        }
      }
      const oldBase = row.baseUrl ?? spec.default_base_url;
      const newBase = set.baseUrl === undefined ? oldBase : (set.baseUrl ?? spec.default_base_url);
      if (body.api_key === null) {
        if (spec.needs_api_key) throw invalidField('api_key', `${spec.display_name} needs an API key`);
        Object.assign(set, NO_API_KEY);
      } else if (body.api_key) {
        Object.assign(set, box.sealApiKey(body.api_key));
      } else if (newBase !== oldBase && row.apiKeyEnc) {
        throw invalidField(
          'api_key',
          'enter the key again when changing base_url: a saved key only goes to its URL',
        );
      }
      if (body.metadata !== undefined) {
        checkMetadata(body.metadata);
        set.metadata = body.metadata;
      }
      if (body.is_active !== undefined) set.isActive = body.is_active;
      const updated = await db.transaction(async (tx) => {
        const saved = await repo.updateCredential(tx, row.id, set);
        await recordAudit(tx, {
          actorId: userId,
          action: 'provider.update',
          targetType: 'provider_credential',
          targetId: row.id,
          details: { provider: spec.provider, fields: Object.keys(body) },
        });
        return saved;
      });
      await changed(userId, spec.provider);
      return toStatus(spec, updated);
    },

    /** @throws not_found when the caller has no credential for this provider */
    async remove(userId: string, provider: string): Promise<void> {
      const spec = specOf(provider);
      await db.transaction(async (tx) => {
        const gone = await repo.deleteCredential(tx, userId, spec.provider);
        if (!gone) throw notFound('Provider credential');
        await recordAudit(tx, {
          actorId: userId,
          action: 'provider.delete',
          targetType: 'provider_credential',
          targetId: gone.id,
          details: { provider: spec.provider },
        });
      });
      await changed(userId, spec.provider);
    },

    /**
     * Where and with which key to call `provider` for this user. A keyless provider with a default base URL
     * (Ollama's local one) resolves without a stored row.
     * @throws provider_not_configured when the user has no usable credential; validation_error for an unknown name
     */
    async resolveTarget(userId: string, provider: string): Promise<ProviderTarget> {
      const spec = specOf(provider);
      const row = await repo.findCredential(db, userId, spec.provider);
      if (!row) {
        if (spec.needs_api_key || !spec.default_base_url) throw notConfigured(spec, 'is not set up');
        return {
          provider: spec.provider,
          adapter: spec.adapter,
          baseUrl: spec.default_base_url,
          apiKey: null,
        };
      }
      if (!row.isActive) throw notConfigured(spec, 'is turned off');
      const baseUrl = row.baseUrl ?? spec.default_base_url;
      if (!baseUrl) throw notConfigured(spec, 'has no base URL');
      let apiKey: string | null = null;
      if (row.apiKeyEnc) {
        try {
          apiKey = box.open(row.apiKeyEnc);
        } catch {
          // ENCRYPTION_KEY changed since the key was saved: the user has to enter it again.
          throw notConfigured(spec, 'has a saved key that can no longer be read');
        }
      }
      if (spec.needs_api_key && !apiKey) throw notConfigured(spec, 'has no API key');
      return { provider: spec.provider, adapter: spec.adapter, baseUrl, apiKey };
    },
  };
}

export type ProvidersService = ReturnType<typeof createProvidersService>;
