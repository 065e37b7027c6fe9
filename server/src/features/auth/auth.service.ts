import { hash, verify } from '@node-rs/argon2';
import type { AuthTokens, UserProfile } from '@pocketllm/contracts';
import { LRUCache } from 'lru-cache';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { UserRow } from '../../db/schema/index.js';
import { AppError } from '../../errors.js';
import { hashToken, randomToken } from '../../lib/crypto.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { InvitesService } from '../invites/invites.service.js';
import { toUserProfile } from '../users/user-profile.js';
import * as users from '../users/users.repository.js';
import * as repo from './auth.repository.js';
import { assertUncommonPassword } from './password-policy.js';
import { AccessTokens } from './tokens.js';

export interface Principal {
  userId: string;
  sessionId: string | null;
  role: 'user' | 'admin';
}

export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

// 2 = Algorithm.Argon2id (a const enum, which isolated modules cannot read).
const ARGON = { algorithm: 2 } as const;
// Verified against when the email is unknown, so both failures cost the same time.
const DUMMY_HASH = await hash('not-a-real-password', ARGON);

export const hashPassword = (password: string) => hash(password, ARGON);
export const verifyPassword = (passwordHash: string, password: string) =>
  verify(passwordHash, password).catch(() => false);

/** Sessions and users changed elsewhere (logout, disable, role) reach every instance on this channel. */
export const AUTH_INVALIDATE = 'auth.invalidate';
export const LOCAL_USER_EMAIL = 'local@pocketllm.local';

export function createAuthService(deps: { db: Db; config: Config; bus: EventBus; invites: InvitesService }) {
  const { db, config, bus, invites } = deps;
  const tokens = new AccessTokens(config.jwtSecret, config.accessTokenTtlS);
  // Checking the session on every request is one indexed join; caching it keeps auth off the database.
  const principals = new LRUCache<string, Omit<Principal, 'sessionId'> & { disabled: boolean }>({
    max: 50_000,
    ttl: 60_000,
  });
  // The caller's profile (GET /auth/me and the like) would be a users read per request: it is kept beside the
  // principals and dropped by the same messages (profile, avatar, password, role, disable, delete).
  const profiles = new LRUCache<string, UserProfile>({ max: 10_000, ttl: 60_000 });
  // Bumped by every invalidation: a database read that overlapped one may predate it and is not cached.
  let generation = 0;
  let localUser: Principal | null = null;

  function dropUser(userId: string) {
    generation++;
    profiles.delete(userId);
    for (const [sid, p] of principals.entries()) if (p.userId === userId) principals.delete(sid);
  }

  bus.subscribe(AUTH_INVALIDATE, (msg) => {
    generation++;
    if (typeof msg.sessionId === 'string') principals.delete(msg.sessionId);
    if (typeof msg.userId === 'string') dropUser(msg.userId);
    // Only the profile changed (an edit, an avatar): sessions, keys and event streams stay as they are.
    if (typeof msg.profileOf === 'string') profiles.delete(msg.profileOf);
  });
  // Revocations published while the bus was away never arrived: nothing cached from before can be trusted.
  bus.onResync(() => {
    generation++;
    principals.clear();
    profiles.clear();
  });

  async function issueTokens(user: UserRow, sessionId: string, tx: Db = db): Promise<AuthTokens> {
    const refresh = randomToken(32);
    await repo.insertRefreshToken(tx, sessionId, hashToken(refresh));
    return {
      user: toUserProfile(user),
      access_token: await tokens.sign({ userId: user.id, sessionId }),
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: tokens.ttlS,
    };
  }

  async function startSession(user: UserRow, client: ClientInfo, tx: Db = db) {
    const sessionId = await repo.insertSession(tx, {
      userId: user.id,
      userAgent: client.userAgent?.slice(0, 500) ?? null,
      ip: client.ip,
      expiresAt: new Date(Date.now() + config.refreshTokenTtlS * 1000),
    });
    return issueTokens(user, sessionId, tx);
  }

  return {
    tokens,

    /**
     * Creates an account. The first one becomes admin and needs no invite. The invite is checked before the
     * email: without a valid invite (the default deployment) nobody learns whether an address has an account;
     * someone allowed to register is told the address is taken (rate limited), as they could not sign up
     * otherwise. A refused registration rolls back, so the invite is not used up.
     * @throws validation_error (password on the common list), invite_required, invite_invalid, email_taken,
     *   username_taken
     */
    async register(
      input: { email: string; password: string; full_name?: string; username?: string; invite_code?: string },
      client: ClientInfo,
    ): Promise<AuthTokens> {
      assertUncommonPassword(input.password, 'password');
      const passwordHash = await hashPassword(input.password);
      return db.transaction(async (tx) => {
        await repo.lockRegistrations(tx);
        const first = (await users.countUsers(tx)) === 0;
        if (!first && config.inviteRequired) {
          if (!input.invite_code) {
            throw new AppError('invite_required', 'invite_code: an invite code is required to register', {
              details: { field: 'invite_code' },
            });
          }
          await invites.consume(tx, input.invite_code);
        }
        if (await users.findUserByEmail(tx, input.email)) {
          throw new AppError('email_taken', 'email: an account with this email already exists', {
            details: { field: 'email' },
          });
        }
        const user = await users
          .insertUser(tx, {
            email: input.email,
            passwordHash,
            fullName: input.full_name ?? null,
            username: input.username ?? null,
            role: first ? 'admin' : 'user',
          })
          .catch((err: unknown) => {
            throw isUniqueViolation(err)
              ? new AppError('username_taken', 'username: this username is taken', {
                  details: { field: 'username' },
                })
              : err;
          });
        return startSession(user, client, tx);
      });
    },

    /** @throws invalid_credentials (same answer for an unknown email and a wrong password), account_disabled */
    async login(input: { email: string; password: string }, client: ClientInfo): Promise<AuthTokens> {
      const user = await users.findUserByEmail(db, input.email);
      const ok = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, input.password);
      if (!user || !ok) throw new AppError('invalid_credentials', 'Email or password is incorrect');
      if (user.disabled) throw new AppError('account_disabled', 'This account is disabled');
      return startSession(user, client);
    },

    /** Rotates a refresh token. Presenting a used one revokes the whole session. @throws invalid_refresh_token */
    async refresh(refreshToken: string): Promise<AuthTokens> {
      const invalid = () => new AppError('invalid_refresh_token', 'Refresh token is invalid or expired');
      const row = await repo.findRefreshToken(db, hashToken(refreshToken));
      if (!row || row.revokedAt || row.expiresAt <= new Date()) throw invalid();
      if (row.usedAt || !(await repo.markRefreshTokenUsed(db, row.id))) {
        // Reuse means the token leaked (or a client raced itself): end the login everywhere.
        await this.revokeSession(row.sessionId);
        throw invalid();
      }
      const user = await users.findUser(db, row.userId);
      if (!user || user.disabled) throw invalid();
      await repo.touchSession(db, row.sessionId);
      return issueTokens(user, row.sessionId);
    },

    async revokeSession(sessionId: string) {
      await repo.revokeSession(db, sessionId);
      generation++;
      principals.delete(sessionId);
      bus.publish(AUTH_INVALIDATE, { sessionId });
    },

    /** Revokes the user's other sessions (all when `keep` is absent) and drops cached principals. */
    async revokeUserSessions(userId: string, keep?: string) {
      await repo.revokeUserSessions(db, userId, keep);
      this.forgetUser(userId);
    },

    /**
     * Drops cached principals and the cached profile of a user, on every instance, after a role change, a
     * disable, a deletion or a password change.
     */
    forgetUser(userId: string) {
      dropUser(userId);
      bus.publish(AUTH_INVALIDATE, { userId });
    },

    /** Drops the cached profile of a user, on every instance, after an edit that leaves access alone. */
    profileChanged(userId: string) {
      generation++;
      profiles.delete(userId);
      bus.publish(AUTH_INVALIDATE, { profileOf: userId });
    },

    /** The user's profile from memory while the bus is up, else from `load` (the users row). */
    async profile(userId: string, load: () => Promise<UserProfile>): Promise<UserProfile> {
      const cached = bus.status().subscribed ? profiles.get(userId) : undefined;
      if (cached) return cached;
      const before = generation;
      const fresh = await load();
      if (before === generation) profiles.set(userId, fresh);
      return fresh;
    },

    /** Resolves a bearer token to its principal. @throws unauthorized, account_disabled */
    async authenticate(accessToken: string): Promise<Principal> {
      const claims = await tokens.verify(accessToken);
      // Without the bus a logout on another instance would go unheard: ask the database every time then.
      const trustCache = bus.status().subscribed;
      let p = trustCache ? principals.get(claims.sessionId) : undefined;
      if (!p) {
        const before = generation;
        const row = await repo.findSessionPrincipal(db, claims.sessionId);
        if (!row || row.userId !== claims.userId) throw new AppError('unauthorized', 'Session has ended');
        p = row;
        if (before === generation) principals.set(claims.sessionId, p);
      }
      if (p.disabled) throw new AppError('account_disabled', 'This account is disabled');
      return { userId: p.userId, role: p.role, sessionId: claims.sessionId };
    },

    /**
     * Whether the portal's first screen is "Create the admin account": no account exists yet. Never in
     * single-user mode, which has no sign-in at all.
     */
    async needsAdmin(): Promise<boolean> {
      if (config.authMode === 'single-user') return false;
      return !(await users.hasAnyUser(db));
    },

    /** The built-in user that token-less requests act as in single-user mode. */
    async ensureLocalUser(): Promise<Principal> {
      if (localUser) return localUser;
      let user = await users.findUserByEmail(db, LOCAL_USER_EMAIL);
      if (!user) {
        user = await users.insertUser(db, {
          email: LOCAL_USER_EMAIL,
          passwordHash: await hashPassword(randomToken(24)),
          fullName: 'Local user',
          role: 'admin',
        });
      }
      localUser = { userId: user.id, role: user.role, sessionId: null };
      return localUser;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
