import { and, asc, count, desc, eq, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { authSessions, chats, messages, modelConfigs, templates, users } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';

// The one owner of the users table's queries: auth (sign-up, sign-in), admin and files read and write
// accounts through these functions, not queries of their own.

export type ProfileChanges = Partial<
  Pick<
    typeof users.$inferInsert,
    'fullName' | 'username' | 'bio' | 'dateOfBirth' | 'profession' | 'avatarUrl' | 'surveyCompleted'
  >
>;

export const findUser = async (db: Db, id: string) =>
  (await db.select().from(users).where(eq(users.id, id)).limit(1))[0];

export type NewUser = typeof users.$inferInsert;

export const findUserByEmail = async (db: Db, email: string) =>
  (await db.select().from(users).where(eq(users.email, email)).limit(1))[0];

export const countUsers = async (db: Db) => (await db.select({ n: count() }).from(users))[0]?.n ?? 0;

/** Whether any account exists: one index probe, however many users there are. */
export const hasAnyUser = async (db: Db) =>
  (await db.select({ id: users.id }).from(users).limit(1)).length > 0;

export const insertUser = async (db: Db, user: NewUser) => {
  return returnedRow(await db.insert(users).values(user).returning());
};

/** Written by the files feature once an avatar upload is stored. */
export async function setAvatarUrl(db: Db, userId: string, avatarUrl: string): Promise<void> {
  await db.update(users).set({ avatarUrl, updatedAt: sql`now()` }).where(eq(users.id, userId));
}

/** @returns the updated row, or undefined when the user is gone. Throws the driver's 23505 on a taken username. */
export const updateProfile = async (db: Db, id: string, changes: ProfileChanges) =>
  (await db.update(users).set(changes).where(eq(users.id, id)).returning())[0];

export const updatePasswordHash = (db: Db, id: string, passwordHash: string) =>
  db.update(users).set({ passwordHash }).where(eq(users.id, id));

/**
 * Deletes the user; every owned row goes with it through the schema's ON DELETE CASCADE. Its messages are locked
 * first (an InitPlan, before the user's row): a save of a running answer locks its message, then its chat
 * (migration 0017), and a cascade reaching chats before messages could deadlock with it (chats.repository deleteChat).
 */
export const deleteUser = async (db: Db, id: string) =>
  (
    await db
      .delete(users)
      .where(
        and(
          eq(users.id, id),
          sql`(select count(*) from (select 1 from ${messages} m where m.user_id = ${id} for update) l) >= 0`,
        ),
      )
      .returning({ id: users.id })
  ).length === 1;

/** Serialises role, disable and delete changes so two of them cannot together remove the last admin. */
export const lockAdminChanges = (db: Db) => db.execute(sql`select pg_advisory_xact_lock(724115003)`);

/** Admins that can still act, other than `exceptId` (the last-admin rule). */
export const countOtherActiveAdmins = async (db: Db, exceptId: string) =>
  (
    await db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.disabled, false), ne(users.id, exceptId)))
  )[0]?.n ?? 0;

export const countOtherUsers = async (db: Db, exceptId: string) =>
  (await db.select({ n: count() }).from(users).where(ne(users.id, exceptId)))[0]?.n ?? 0;

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

/** The admin's list: newest accounts first. Ids are UUIDv7 (time-ordered), so the id alone is the keyset. */
export const listUsers = async (db: Db, limit: number, beforeId?: string) =>
  (
    await withLastLogin(db)
      .where(beforeId ? lt(users.id, beforeId) : undefined)
      .orderBy(desc(users.id))
      .limit(limit)
  ).map(flatten);

export const findUserWithLastLogin = async (db: Db, id: string) => {
  const row = (await withLastLogin(db).where(eq(users.id, id)).limit(1))[0];
  return row ? flatten(row) : undefined;
};

export const updateUserAccess = (
  db: Db,
  id: string,
  changes: { role?: 'user' | 'admin'; disabled?: boolean },
) => db.update(users).set(changes).where(eq(users.id, id));

// The export reads one query per table (not per chat), so thousands of messages cost four round trips.

export const exportChats = (db: Db, userId: string) =>
  db
    .select({
      id: chats.id,
      title: chats.title,
      modelConfigId: chats.modelConfigId,
      currentLeafId: chats.currentLeafId,
      createdAt: chats.createdAt,
      updatedAt: chats.updatedAt,
    })
    .from(chats)
    .where(eq(chats.userId, userId))
    .orderBy(asc(chats.createdAt), asc(chats.id));

export const exportMessages = (db: Db, userId: string) =>
  db
    .select()
    .from(messages)
    .where(eq(messages.userId, userId))
    .orderBy(asc(messages.chatId), asc(messages.createdAt), asc(messages.id));

/** Every column but the key material (apiKeyEnc, keyId, apiKeyPreview), which is never selected. */
export const exportModelConfigs = (db: Db, userId: string) =>
  db
    .select({
      id: modelConfigs.id,
      name: modelConfigs.name,
      provider: modelConfigs.provider,
      model: modelConfigs.model,
      baseUrl: modelConfigs.baseUrl,
      localEndpointId: modelConfigs.localEndpointId,
      systemPrompt: modelConfigs.systemPrompt,
      temperature: modelConfigs.temperature,
      maxTokens: modelConfigs.maxTokens,
      topP: modelConfigs.topP,
      frequencyPenalty: modelConfigs.frequencyPenalty,
      presencePenalty: modelConfigs.presencePenalty,
      isDefault: modelConfigs.isDefault,
      createdAt: modelConfigs.createdAt,
      updatedAt: modelConfigs.updatedAt,
    })
    .from(modelConfigs)
    .where(eq(modelConfigs.userId, userId))
    .orderBy(asc(modelConfigs.createdAt), asc(modelConfigs.id));

export const exportTemplates = (db: Db, userId: string) =>
  db
    .select()
    .from(templates)
    .where(eq(templates.userId, userId))
    .orderBy(asc(templates.createdAt), asc(templates.id));
