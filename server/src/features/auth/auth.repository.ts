import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { authSessions, refreshTokens, users } from '../../db/schema/index.js';

// The users table's queries (find, count, insert) are the users feature's: users.repository.ts.
import { returnedRow } from '../../lib/sql-rows.js';

/** Serialises registrations so exactly one "first account" becomes admin. */
export const lockRegistrations = (db: Db) => db.execute(sql`select pg_advisory_xact_lock(724115002)`);

export const insertSession = async (
  db: Db,
  values: { userId: string; userAgent: string | null; ip: string | null; expiresAt: Date },
) => {
  const row = returnedRow(await db.insert(authSessions).values(values).returning({ id: authSessions.id }));
  return row.id;
};

export const insertRefreshToken = (db: Db, sessionId: string, tokenHash: string) =>
  db.insert(refreshTokens).values({ sessionId, tokenHash });

export const findRefreshToken = async (db: Db, tokenHash: string) =>
  (
    await db
      .select({
        id: refreshTokens.id,
        usedAt: refreshTokens.usedAt,
        sessionId: refreshTokens.sessionId,
        userId: authSessions.userId,
        revokedAt: authSessions.revokedAt,
        expiresAt: authSessions.expiresAt,
      })
      .from(refreshTokens)
      .innerJoin(authSessions, eq(authSessions.id, refreshTokens.sessionId))
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .limit(1)
  )[0];

/** Marks a refresh token used; false when someone else used it first. */
export const markRefreshTokenUsed = async (db: Db, id: string) =>
  (
    await db
      .update(refreshTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt)))
      .returning({ id: refreshTokens.id })
  ).length === 1;

export const touchSession = (db: Db, sessionId: string) =>
  db.update(authSessions).set({ lastUsedAt: new Date() }).where(eq(authSessions.id, sessionId));

export const revokeSession = (db: Db, sessionId: string) =>
  db
    .update(authSessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(authSessions.id, sessionId), isNull(authSessions.revokedAt)));

/** Revokes every live session of a user except `keep` (password change). */
export const revokeUserSessions = (db: Db, userId: string, keep?: string) =>
  db
    .update(authSessions)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(authSessions.userId, userId),
        isNull(authSessions.revokedAt),
        keep ? sql`${authSessions.id} <> ${keep}` : undefined,
      ),
    );

/** What every authenticated request needs to know about its session (cached by the service). */
export const findSessionPrincipal = async (db: Db, sessionId: string) =>
  (
    await db
      .select({
        userId: authSessions.userId,
        role: users.role,
        disabled: users.disabled,
      })
      .from(authSessions)
      .innerJoin(users, eq(users.id, authSessions.userId))
      .where(
        and(
          eq(authSessions.id, sessionId),
          isNull(authSessions.revokedAt),
          gt(authSessions.expiresAt, new Date()),
        ),
      )
      .limit(1)
  )[0];
