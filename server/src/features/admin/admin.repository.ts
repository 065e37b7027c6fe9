import { desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { authSessions, users } from '../../db/schema/index.js';

// A login starts a session, so the newest session is the last login; the (user_id) index serves it.
// Written out because drizzle leaves columns unqualified in a single-table select, which inside this
// subquery would compare auth_sessions with itself.
const lastLoginAt = sql`(select max(s.created_at) from auth_sessions s where s.user_id = "users"."id")`
  .mapWith(authSessions.createdAt)
  .as('last_login_at');

export type AdminUserRow = typeof users.$inferSelect & { lastLoginAt: Date | null };

const withLastLogin = (db: Db) => db.select({ user: users, lastLoginAt }).from(users).$dynamic();

const flatten = (r: { user: typeof users.$inferSelect; lastLoginAt: Date | null }): AdminUserRow => ({
  ...r.user,
  lastLoginAt: r.lastLoginAt,
});

/** Newest accounts first. Ids are UUIDv7 (time-ordered), so the id alone is the keyset. */
export const listUsers = async (db: Db, limit: number, beforeId?: string) =>
  (
    await withLastLogin(db)
      .where(beforeId ? lt(users.id, beforeId) : undefined)
      .orderBy(desc(users.id))
      .limit(limit)
  ).map(flatten);

export const findUser = async (db: Db, id: string) => {
  const row = (await withLastLogin(db).where(eq(users.id, id)).limit(1))[0];
  return row ? flatten(row) : undefined;
};

export const updateUserAccess = (
  db: Db,
  id: string,
  changes: { role?: 'user' | 'admin'; disabled?: boolean },
) => db.update(users).set(changes).where(eq(users.id, id));
