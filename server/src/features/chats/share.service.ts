import { createHash, randomBytes } from 'node:crypto';
import type { CreateShareBody, ShareCreated, SharedChat, ShareStatus } from '@pocketllm/contracts';
import type { Db } from '../../db/client.js';
import type { MessageRow, ShareSnapshot } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import type { ChatsService } from './chats.service.js';
import * as repo from './shares.repository.js';
import { currentPath } from './tree.repository.js';

/** 32 random bytes (256 bits), URL-safe: unguessable, and short enough for a link. */
const newToken = () => randomBytes(32).toString('base64url');
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The current path as a visitor may see it: what was said and by which models, nothing else. */
export function toSnapshot(title: string | null, path: MessageRow[]): ShareSnapshot {
  const models = new Set<string>();
  const messages: ShareSnapshot['messages'] = [];
  for (const m of path) {
    if (m.role === 'system') continue;
    // An answer that failed or was stopped before any text has nothing to show.
    if (m.role === 'assistant' && m.content === '') continue;
    if (m.role === 'assistant' && typeof m.metadata.model === 'string') models.add(m.metadata.model);
    messages.push({ role: m.role, content: m.content, created_at: m.createdAt.toISOString() });
  }
  return { title, messages, models: [...models] };
}

export function createShareService(deps: { db: Db; chats: Pick<ChatsService, 'ownChat'> }) {
  const { db, chats } = deps;

  return {
    /**
     * Freezes the chat's current path into a share link (replacing the chat's earlier link).
     * @throws not_found for a chat that is not the caller's
     */
    async create(
      userId: string,
      chatId: string,
      body: CreateShareBody,
      origin: string,
    ): Promise<ShareCreated> {
      const chat = await chats.ownChat(userId, chatId);
      const path = chat.currentLeafId
        ? (await currentPath(db, userId, chat.id)).map((m) => m.row)
        : await repo.messagesInOrder(db, chat.id);
      const token = newToken();
      const expiresAt = body.expires_in_s ? new Date(Date.now() + body.expires_in_s * 1000) : null;
      const row = await repo.upsertShare(db, {
        chatId: chat.id,
        userId,
        tokenHash: hashToken(token),
        snapshot: toSnapshot(chat.title, path),
        expiresAt,
      });
      return {
        token,
        url: `${origin}/s/${token}`,
        expires_at: row.expiresAt?.toISOString() ?? null,
        created_at: row.createdAt.toISOString(),
      };
    },

    /** @throws not_found for a chat that is not the caller's */
    async status(userId: string, chatId: string): Promise<ShareStatus> {
      await chats.ownChat(userId, chatId);
      const share = await repo.findShareOfChat(db, userId, chatId);
      return {
        shared: share !== undefined,
        expires_at: share?.expiresAt?.toISOString() ?? null,
        created_at: share?.createdAt.toISOString() ?? null,
      };
    },

    /** @throws not_found for a chat that is not the caller's or has no share link */
    async revoke(userId: string, chatId: string): Promise<void> {
      if (!(await repo.deleteShare(db, userId, chatId))) throw notFound('Share');
    },

    /** The public view of a link. @throws not_found for an unknown, revoked or expired token */
    async shared(token: string): Promise<SharedChat> {
      const share = await repo.findLiveShare(db, hashToken(token));
      if (!share) throw notFound('Share');
      const { title, messages, models } = share.snapshot;
      return {
        title,
        messages,
        models,
        shared_at: share.createdAt.toISOString(),
        expires_at: share.expiresAt?.toISOString() ?? null,
      };
    },
  };
}

export type ShareService = ReturnType<typeof createShareService>;
