import type { Db } from '../../db/client.js';
import { AppError, notFound } from '../../errors.js';
import { decodeIdCursor, page } from '../../lib/cursor.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuthService } from '../auth/auth.service.js';
import { toUserProfile } from '../users/user-profile.js';
import * as repo from '../users/users.repository.js';
import type { UsersService } from '../users/users.service.js';

const toAdminUser = (u: repo.AdminUserRow) => ({
  ...toUserProfile(u),
  last_login_at: u.lastLoginAt?.toISOString() ?? null,
});

/** Account management for admins. Nothing here reads chats, messages or files: admins cannot. */
export function createAdminService(deps: { db: Db; auth: AuthService; users: UsersService }) {
  const { db, auth, users } = deps;

  return {
    /** Accounts, newest first, with their last login. @throws validation_error (cursor) */
    async listUsers(query: { limit: number; cursor?: string | undefined }) {
      const before = query.cursor ? decodeIdCursor(query.cursor) : undefined;
      const rows = await repo.listUsers(db, query.limit + 1, before);
      const { items, nextCursor } = page(rows, query.limit, (u) => [u.id]);
      return { users: items.map(toAdminUser), next_cursor: nextCursor };
    },

    /**
     * Changes a user's role or disables/enables them, with an audit row per change. A disabled user's
     * sessions end at once (re-enabling means signing in again). An admin cannot demote or disable
     * themselves, and the last active admin cannot be demoted or disabled.
     * @throws not_found, conflict
     */
    async updateUser(
      actorId: string,
      targetId: string,
      input: { role?: 'user' | 'admin'; disabled?: boolean },
    ) {
      const result = await db.transaction(async (tx) => {
        await users.lockAdminChanges(tx);
        const target = await repo.findUserWithLastLogin(tx, targetId);
        if (!target) throw notFound('User');
        const changes: { role?: 'user' | 'admin'; disabled?: boolean } = {};
        if (input.role !== undefined && input.role !== target.role) changes.role = input.role;
        if (input.disabled !== undefined && input.disabled !== target.disabled)
          changes.disabled = input.disabled;
        if (Object.keys(changes).length === 0) return { user: target, changed: false };

        const losesAdmin =
          target.role === 'admin' &&
          !target.disabled &&
          (changes.role === 'user' || changes.disabled === true);
        if (losesAdmin && actorId === targetId) {
          throw new AppError('conflict', 'You cannot demote or disable your own account');
        }
        if (losesAdmin) await users.ensureAnotherAdmin(tx, targetId);

        await repo.updateUserAccess(tx, targetId, changes);
        if (changes.role) {
          await recordAudit(tx, {
            actorId,
            action: 'user.role_change',
            targetType: 'user',
            targetId,
            details: { from: target.role, to: changes.role },
          });
        }
        if (changes.disabled !== undefined) {
          await recordAudit(tx, {
            actorId,
            action: changes.disabled ? 'user.disable' : 'user.enable',
            targetType: 'user',
            targetId,
          });
        }
        const user = await repo.findUserWithLastLogin(tx, targetId);
        if (!user) throw notFound('User');
        return { user, changed: true };
      });
      if (result.changed) {
        // Cached principals carry role and disabled: drop them on every instance now, not in a minute.
        if (result.user.disabled) await auth.revokeUserSessions(targetId);
        else auth.forgetUser(targetId);
      }
      return toAdminUser(result.user);
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
