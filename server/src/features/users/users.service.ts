import type { UserExport, UserProfile } from '@pocketllm/contracts';
import type { Db } from '../../db/client.js';
import { AppError, invalidField, notFound } from '../../errors.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import {
  type AuthService,
  hashPassword,
  isUniqueViolation,
  LOCAL_USER_EMAIL,
  verifyPassword,
} from '../auth/auth.service.js';
import { assertUncommonPassword } from '../auth/password-policy.js';
import { buildUserExport } from './user-export.js';
import { toUserProfile } from './user-profile.js';
import * as repo from './users.repository.js';

export interface ProfileInput {
  full_name?: string | null | undefined;
  username?: string | null | undefined;
  bio?: string | null | undefined;
  date_of_birth?: string | null | undefined;
  profession?: string | null | undefined;
  avatar_url?: string | null | undefined;
  survey_completed?: boolean | undefined;
}

/** Only the fields the caller sent: an absent field is left alone, a null one is cleared. */
function toChanges(input: ProfileInput): repo.ProfileChanges {
  const changes: repo.ProfileChanges = {};
  if (input.full_name !== undefined) changes.fullName = input.full_name;
  if (input.username !== undefined) changes.username = input.username;
  if (input.bio !== undefined) changes.bio = input.bio;
  if (input.date_of_birth !== undefined) changes.dateOfBirth = input.date_of_birth;
  if (input.profession !== undefined) changes.profession = input.profession;
  if (input.avatar_url !== undefined) changes.avatarUrl = input.avatar_url;
  if (input.survey_completed !== undefined) changes.surveyCompleted = input.survey_completed;
  return changes;
}

export function createUsersService(deps: {
  db: Db;
  auth: AuthService;
  /** Told `account.deleted`, so what the account kept outside the database (its files) goes too. */
  events: DomainEvents;
}) {
  const { db, auth } = deps;

  async function mustFind(tx: Db, userId: string) {
    const user = await repo.findUser(tx, userId);
    if (!user) throw notFound('User');
    return user;
  }

  return {
    /** @throws not_found when the account is gone */
    async getMe(userId: string): Promise<UserProfile> {
      return auth.profile(userId, async () => toUserProfile(await mustFind(db, userId)));
    },

    /** Another user's public face: never email, role or dates. @throws not_found */
    async getPublicProfile(id: string) {
      const u = await mustFind(db, id);
      return {
        id: u.id,
        username: u.username,
        full_name: u.fullName,
        bio: u.bio,
        profession: u.profession,
        avatar_url: u.avatarUrl,
      };
    },

    /** @throws username_taken (case-insensitive), not_found */
    async updateProfile(userId: string, input: ProfileInput): Promise<UserProfile> {
      const changes = toChanges(input);
      if (Object.keys(changes).length === 0) return this.getMe(userId);
      const row = await repo.updateProfile(db, userId, changes).catch((err: unknown) => {
        throw isUniqueViolation(err)
          ? new AppError('username_taken', 'username: this username is taken', {
              details: { field: 'username' },
            })
          : err;
      });
      if (!row) throw notFound('User');
      auth.profileChanged(userId);
      return toUserProfile(row);
    },

    /**
     * Changes the password and ends every other login of the user; the calling session stays.
     * A wrong current password is a 400 on `current_password`, not a 401: the caller's token is fine,
     * and a 401 would make clients drop it.
     * @throws validation_error (current_password; new_password on the common list), not_found
     */
    async changePassword(
      caller: { userId: string; sessionId: string | null },
      input: { current_password: string; new_password: string },
    ) {
      assertUncommonPassword(input.new_password, 'new_password');
      const user = await mustFind(db, caller.userId);
      if (!(await verifyPassword(user.passwordHash, input.current_password))) {
        throw invalidField('current_password', 'the current password is incorrect');
      }
      await repo.updatePasswordHash(db, user.id, await hashPassword(input.new_password));
      await auth.revokeUserSessions(user.id, caller.sessionId ?? undefined);
    },

    /**
     * Deletes the account and, through the schema's cascades, everything it owns (sessions, chats,
     * messages, keys, endpoints, configs, templates, jobs, file rows); then its files on disk. The last admin cannot leave while other accounts remain.
     * @throws conflict (built-in local user, last admin), not_found
     */
    async deleteAccount(userId: string) {
      await db.transaction(async (tx) => {
        await repo.lockAdminChanges(tx);
        const user = await mustFind(tx, userId);
        if (user.email === LOCAL_USER_EMAIL) {
          throw new AppError('conflict', 'The built-in local user of single-user mode cannot be deleted');
        }
        if (user.role === 'admin' && !user.disabled) await this.ensureAnotherAdmin(tx, userId, true);
        await repo.deleteUser(tx, userId);
      });
      auth.forgetUser(userId);
      await deps.events.emit('account.deleted', { userId });
    },

    /**
     * Refuses a change that would leave no active admin: `userId` is about to stop being one.
     * With `onlyIfOthers`, an installation with no other account may lose its admin (the next
     * registration becomes admin again). Call inside a transaction that ran `lockAdminChanges`.
     * @throws conflict
     */
    async ensureAnotherAdmin(tx: Db, userId: string, onlyIfOthers = false) {
      if ((await repo.countOtherActiveAdmins(tx, userId)) > 0) return;
      if (onlyIfOthers && (await repo.countOtherUsers(tx, userId)) === 0) return;
      throw new AppError('conflict', 'This is the last admin: make another account admin first');
    },

    /** Serialises admin-affecting changes; pass the transaction they run in. */
    lockAdminChanges: (tx: Db) => repo.lockAdminChanges(tx),

    /** @throws not_found */
    async exportData(userId: string): Promise<UserExport> {
      return buildUserExport(db, await mustFind(db, userId));
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
