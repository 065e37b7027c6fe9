import type { Db } from '../../db/client.js';
import { notFound } from '../../errors.js';
import { toUserProfile } from './user-profile.js';
import * as repo from './users.repository.js';

export function createUsersService(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** @throws not_found when the account is gone */
    async getMe(userId: string) {
      const user = await repo.findUser(db, userId);
      if (!user) throw notFound('User');
      return toUserProfile(user);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
