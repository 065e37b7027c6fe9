import type { Db } from '../../db/client.js';
import { AppError, notFound } from '../../errors.js';
import { randomToken } from '../../lib/crypto.js';
import { recordAudit } from '../audit/audit.service.js';
import * as repo from './invites.repository.js';

const toInvite = (r: repo.InviteRow) => ({
  code: r.code,
  max_uses: r.maxUses,
  uses: r.uses,
  expires_at: r.expiresAt?.toISOString() ?? null,
  created_at: r.createdAt.toISOString(),
  created_by: r.createdBy,
});

export function createInvitesService(db: Db) {
  return {
    /** Creates an invite code (admin). */
    async create(actorId: string, input: { max_uses: number; expires_at?: string | null | undefined }) {
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) {
        throw new AppError('validation_error', 'expires_at: must be in the future', {
          details: { field: 'expires_at' },
        });
      }
      return db.transaction(async (tx) => {
        const row = await repo.insertInvite(tx, {
          code: randomToken(12),
          createdBy: actorId,
          maxUses: input.max_uses,
          expiresAt,
        });
        await recordAudit(tx, {
          actorId,
          action: 'invite.create',
          targetType: 'invite',
          targetId: row.code,
          details: { max_uses: row.maxUses, expires_at: row.expiresAt?.toISOString() ?? null },
        });
        return toInvite(row);
      });
    },

    async list() {
      return { invites: (await repo.listInvites(db)).map(toInvite) };
    },

    /** @throws not_found when the code does not exist. */
    async revoke(actorId: string, code: string) {
      await db.transaction(async (tx) => {
        if (!(await repo.deleteInvite(tx, code))) throw notFound('Invite');
        await recordAudit(tx, { actorId, action: 'invite.revoke', targetType: 'invite', targetId: code });
      });
    },

    /** Takes one use of `code` inside the caller's transaction. @throws invite_invalid */
    async consume(tx: Db, code: string) {
      if (!(await repo.consumeInvite(tx, code))) {
        throw new AppError('invite_invalid', 'invite_code: this invite code is unknown, used up or expired', {
          details: { field: 'invite_code' },
        });
      }
    },
  };
}

export type InvitesService = ReturnType<typeof createInvitesService>;
