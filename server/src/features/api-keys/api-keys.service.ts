import type { ApiKey, ApiKeyScope, CreateApiKeyBody, CreatedApiKey } from '@pocketllm/contracts';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Db } from '../../db/client.js';
import { AppError, invalidField, notFound } from '../../errors.js';
import { hashToken, randomToken } from '../../lib/crypto.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { Managed } from '../../lib/lifecycle.js';
import { AUTH_INVALIDATE } from '../auth/auth.service.js';
import * as repo from './api-keys.repository.js';

/** Every instance drops a revoked key from its cache on this channel. */
export const API_KEY_REVOKED = 'api-keys.revoked';
export const API_KEY_PREFIX = 'pk-';
const ALL_SCOPES: ApiKeyScope[] = ['chat', 'models', 'embeddings'];
/** `last_used_at` is written at most this often per key. */
const TOUCH_EVERY_MS = 60_000;
const FLUSH_EVERY_MS = 5_000;

/** Who a request made with a personal API key acts as. */
export interface KeyPrincipal {
  userId: string;
  role: 'user' | 'admin';
  keyId: string;
  keyName: string;
  scopes: readonly string[];
}

interface Cached extends KeyPrincipal {
  expiresAt: number | null;
  disabled: boolean;
}

const toView = (row: repo.ApiKeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes.filter((s): s is ApiKeyScope => (ALL_SCOPES as string[]).includes(s)),
  created_at: row.createdAt.toISOString(),
  expires_at: row.expiresAt?.toISOString() ?? null,
  last_used_at: row.lastUsedAt?.toISOString() ?? null,
});

const invalidKey = () =>
  new AppError('unauthorized', 'Incorrect API key provided', { details: { reason: 'invalid_api_key' } });

/**
 * Personal API keys: created once (only their SHA-256 is stored), listed, revoked everywhere at once. The
 * gateway checks a key on every call, so what a hash stands for is kept in process until it is revoked
 * (the bus tells every instance), its owner changes (auth's invalidation), or the bus had a gap.
 */
export function createApiKeysService(deps: { db: Db; bus: EventBus; logger: Logger }) {
  const { db, bus, logger } = deps;
  const byHash = new LRUCache<string, Cached>({ max: 20_000, ttl: 10 * 60_000 });
  const lastTouched = new Map<string, number>();
  const toTouch = new Set<string>();
  let timer: NodeJS.Timeout | null = null;

  const dropUser = (userId: string) => {
    for (const [hash, p] of byHash.entries()) if (p.userId === userId) byHash.delete(hash);
  };
  bus.subscribe(API_KEY_REVOKED, (msg) => {
    if (typeof msg.keyHash === 'string') byHash.delete(msg.keyHash);
  });
  bus.subscribe(AUTH_INVALIDATE, (msg) => {
    if (typeof msg.userId === 'string') dropUser(msg.userId);
  });
  bus.onResync(() => byHash.clear());

  async function flushTouches(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (toTouch.size === 0) return;
    const ids = [...toTouch];
    toTouch.clear();
    try {
      await repo.touchApiKeys(db, ids, new Date());
    } catch (err) {
      logger.warn({ err, keys: ids.length }, 'could not record when API keys were last used');
    }
  }

  /** Off the request path: marks the key, and a timer writes the marks in one statement. */
  function touch(keyId: string, now: number) {
    const last = lastTouched.get(keyId);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) return;
    lastTouched.set(keyId, now);
    toTouch.add(keyId);
    if (!timer) {
      timer = setTimeout(() => void flushTouches(), FLUSH_EVERY_MS);
      timer.unref();
    }
  }

  async function lookup(hash: string): Promise<Cached | undefined> {
    // While the bus is away, a revocation elsewhere might not reach us: read the database every time.
    const trusted = bus.status().subscribed;
    const hit = trusted ? byHash.get(hash) : undefined;
    if (hit) return hit;
    const row = await repo.findKeyByHash(db, hash);
    if (!row) return undefined;
    const entry: Cached = {
      userId: row.userId,
      role: row.role,
      keyId: row.id,
      keyName: row.name,
      scopes: row.scopes,
      expiresAt: row.expiresAt?.getTime() ?? null,
      disabled: row.disabled,
    };
    if (trusted) byHash.set(hash, entry);
    return entry;
  }

  return {
    /** @throws validation_error (expires_at in the past) */
    async create(userId: string, body: CreateApiKeyBody): Promise<CreatedApiKey> {
      const expiresAt = body.expires_at ? new Date(body.expires_at) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now())
        throw invalidField('expires_at', 'must be in the future');
      // 32 random bytes: 256 bits, far past guessing; base64url keeps it one token in any header or shell.
      const key = `${API_KEY_PREFIX}${randomToken(32)}`;
      const row = await repo.insertApiKey(db, {
        userId,
        name: body.name,
        keyHash: hashToken(key),
        prefix: key.slice(0, 10),
        scopes: [...new Set(body.scopes ?? ALL_SCOPES)],
        expiresAt,
      });
      return { ...toView(row), key };
    },

    async list(userId: string): Promise<ApiKey[]> {
      return (await repo.listApiKeys(db, userId)).map(toView);
    },

    /** Revokes at once, here and (through the bus) on every instance. @throws not_found */
    async revoke(userId: string, id: string): Promise<void> {
      const row = await repo.deleteApiKey(db, userId, id);
      if (!row) throw notFound('API key');
      byHash.delete(row.keyHash);
      lastTouched.delete(row.id);
      toTouch.delete(row.id);
      bus.publish(API_KEY_REVOKED, { keyHash: row.keyHash });
    },

    /**
     * Who a `pk-…` key acts as; usually answered from memory. @throws unauthorized (unknown, revoked or
     * expired key), account_disabled
     */
    async authenticate(key: string): Promise<KeyPrincipal> {
      if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) throw invalidKey();
      const hash = hashToken(key);
      const found = await lookup(hash);
      if (!found) throw invalidKey();
      const now = Date.now();
      if (found.expiresAt !== null && found.expiresAt <= now)
        throw new AppError('unauthorized', 'This API key has expired', {
          details: { reason: 'expired_api_key' },
        });
      if (found.disabled) throw new AppError('account_disabled', 'This account is disabled');
      touch(found.keyId, now);
      return found;
    },

    /** Writes the pending `last_used_at` marks at shutdown. */
    managed: { name: 'api-keys', stop: flushTouches } satisfies Managed,
    /** For tests: write the pending marks now. */
    flushTouches,
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
