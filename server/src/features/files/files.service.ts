import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FileInfo } from '@pocketllm/contracts';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { AppError, invalidField, notFound } from '../../errors.js';
import { decodeIdCursor, page } from '../../lib/cursor.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import { newId } from '../../lib/ids.js';
import type { UserEventLog } from '../../lib/user-events.js';
import type { FileStore } from '../../storage/file-store.js';
import { sanitizeFileName, withSuffix } from '../../storage/names.js';
import type { UrlSigner } from '../../storage/signed-url.js';
import { IMAGE_TYPES } from '../../storage/sniff.js';
import type { AuthService } from '../auth/auth.service.js';
import { chatBelongsTo } from '../chats/chats.repository.js';
import * as users from '../users/users.repository.js';
import type { FileRow } from './files.repository.js';
import * as repo from './files.repository.js';

/** How long a signed link to a private file stays valid. */
const SIGNED_URL_TTL_S = 3600;
const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

export const storageKeys = {
  avatar: (userId: string) => `public/avatars/${userId}.png`,
  generatedImage: (userId: string, jobId: string, index: number, n: number) =>
    `private/generated_images/${userId}/${jobId}${n > 1 ? `_${index + 1}` : ''}.png`,
  userFile: (userId: string, chatId: string | null, name: string) =>
    `private/user_files/${userId}/${chatId ?? 'no-chat'}/${name}`,
  userFolders: (userId: string) => [
    `private/user_files/${userId}`,
    `private/generated_images/${userId}`,
    `public/avatars/${userId}.png`,
  ],
};

const onlyImages = (field: string) => (contentType: string) => {
  if (!IMAGE_TYPES.has(contentType)) throw invalidField(field, 'must be a PNG, JPEG or WebP image');
};

export interface Download {
  stream: Readable;
  size: number;
  contentType: string;
  name: string;
}

export function createFilesService(deps: {
  db: Db;
  config: Config;
  store: FileStore;
  signer: UrlSigner;
  /** A deleted account's files (rows and bytes) go with it. */
  events: DomainEvents;
  /** The owner's event stream hears files stored and removed. */
  userEvents?: UserEventLog;
  /** A new avatar changes the profile that every instance keeps in memory. */
  auth: Pick<AuthService, 'profileChanged'>;
}) {
  const { db, config, store, signer } = deps;

  const urlOf = (row: FileRow): string =>
    row.visibility === 'public'
      ? `/v1/files/${row.path}`
      : signer.sign(`/v1/files/${row.id}`, row.id, SIGNED_URL_TTL_S);

  const toInfo = (row: FileRow): FileInfo => ({
    id: row.id,
    name: row.name,
    size: row.size,
    content_type: row.contentType,
    chat_id: row.chatId,
    visibility: row.visibility,
    url: urlOf(row),
    created_at: row.createdAt.toISOString(),
  });

  async function openRow(row: FileRow): Promise<Download> {
    const opened = await store.open(row.path);
    if (!opened) throw notFound('File');
    return { ...opened, contentType: row.contentType, name: row.name };
  }

  async function deleteAllForUser(userId: string): Promise<void> {
    await repo.deleteFilesOfUser(db, userId);
    for (const prefix of storageKeys.userFolders(userId)) await store.deletePrefix(prefix);
  }
  deps.events.on('account.deleted', ({ userId }) => deleteAllForUser(userId));

  return {
    toInfo,

    /**
     * Streams an upload to `private/user_files/{user}/{chat|no-chat}/{name}`.
     * @throws not_found for a chat that is not the caller's; payload_too_large past MAX_UPLOAD_MB
     */
    async upload(
      userId: string,
      input: { fileName: string; source: Readable; chatId?: string },
    ): Promise<FileInfo> {
      const chatId = input.chatId ?? null;
      if (chatId && !(await chatBelongsTo(db, userId, chatId))) {
        input.source.resume();
        throw notFound('Chat');
      }
      let name = sanitizeFileName(input.fileName);
      if (await repo.pathTaken(db, storageKeys.userFile(userId, chatId, name))) {
        name = withSuffix(name, randomBytes(3).toString('hex'));
      }
      const path = storageKeys.userFile(userId, chatId, name);
      const stored = await store.put(path, input.source, { maxBytes: config.maxUploadBytes });
      try {
        const row = await repo.upsertFile(db, {
          id: newId(),
          userId,
          chatId,
          name,
          path,
          visibility: 'private',
          contentType: stored.contentType,
          size: stored.size,
          sha256: stored.sha256,
        });
        deps.userEvents?.publish(userId, {
          event: 'file.created',
          data: { file_id: row.id, chat_id: chatId },
        });
        return toInfo(row);
      } catch (err) {
        await store.delete(path);
        throw err;
      }
    },

    async list(userId: string, q: { limit: number; cursor?: string; chat_id?: string }) {
      const beforeId = q.cursor ? decodeIdCursor(q.cursor) : undefined;
      const rows = await repo.listFiles(db, userId, {
        limit: q.limit,
        ...(q.chat_id ? { chatId: q.chat_id } : {}),
        ...(beforeId ? { beforeId } : {}),
      });
      const { items, nextCursor } = page(rows, q.limit, (r) => [r.id]);
      return { files: items.map(toInfo), next_cursor: nextCursor };
    },

    /**
     * A file for its owner, for anyone holding a valid signed link, or for anyone when it is public.
     * @throws unauthorized without a token or a valid link; not_found for someone else's private file
     */
    async download(
      fileId: string,
      access: { userId: string | null; expires?: number | undefined; sig?: string | undefined },
    ): Promise<Download> {
      const row = await repo.findFileById(db, fileId);
      const signed = access.sig !== undefined && signer.verify(fileId, access.expires, access.sig);
      if (row && (row.visibility === 'public' || row.userId === access.userId || signed)) return openRow(row);
      if (access.userId === null && !signed) {
        throw new AppError(
          'unauthorized',
          access.sig ? 'The signed link is invalid or has expired' : undefined,
        );
      }
      throw notFound('File');
    },

    /** @throws not_found unless the public file exists */
    async downloadPublic(path: string): Promise<Download> {
      const row = await repo.findFileByPath(db, path);
      if (row?.visibility !== 'public') throw notFound('File');
      return openRow(row);
    },

    /** @throws not_found for a missing file or another user's */
    async remove(userId: string, fileId: string): Promise<void> {
      const row = await repo.deleteFile(db, userId, fileId);
      if (!row) throw notFound('File');
      await store.delete(row.path);
      deps.userEvents?.publish(userId, { event: 'file.deleted', data: { file_id: fileId } });
    },

    /**
     * Stores a PNG/JPEG/WebP (by its bytes) at `public/avatars/{user}.png` and points avatar_url at it.
     * @throws validation_error (field `file`) for another type; payload_too_large past 5 MB
     */
    async setAvatar(userId: string, source: Readable): Promise<{ avatar_url: string }> {
      const path = storageKeys.avatar(userId);
      const stored = await store.put(path, source, {
        maxBytes: Math.min(AVATAR_MAX_BYTES, config.maxUploadBytes),
        accept: onlyImages('file'),
      });
      await repo.upsertFile(db, {
        id: newId(),
        userId,
        name: `${userId}.png`,
        path,
        visibility: 'public',
        contentType: stored.contentType,
        size: stored.size,
        sha256: stored.sha256,
      });
      // The hash in the query makes browsers fetch a new picture instead of their cached one.
      const avatarUrl = `/v1/files/${path}?v=${stored.sha256.slice(0, 12)}`;
      await users.setAvatarUrl(db, userId, avatarUrl);
      deps.auth.profileChanged(userId);
      return { avatar_url: avatarUrl };
    },

    /**
     * Stores a generated image privately (replacing an earlier attempt's at the same key).
     * @throws validation_error when the bytes are not an image; payload_too_large past `maxBytes`
     */
    async storeGeneratedImage(
      userId: string,
      key: string,
      source: Readable,
      maxBytes: number,
    ): Promise<{ id: string; path: string; url: string }> {
      const stored = await store.put(key, source, { maxBytes, accept: onlyImages('image') });
      const row = await repo.upsertFile(db, {
        id: newId(),
        userId,
        name: key.split('/').pop() ?? 'image.png',
        path: key,
        visibility: 'private',
        contentType: stored.contentType,
        size: stored.size,
        sha256: stored.sha256,
      });
      deps.userEvents?.publish(userId, { event: 'file.created', data: { file_id: row.id, chat_id: null } });
      return { id: row.id, path: row.path, url: `/v1/files/${row.id}` };
    },

    /**
     * The caller's files with their bytes, in the order asked (to give them to a model).
     * @throws not_found (naming `attachments`) for an unknown id or another user's file
     */
    async readOwned(userId: string, ids: string[]): Promise<(FileRow & { bytes: Buffer })[]> {
      const rows = await repo.findOwnedFiles(db, userId, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const out: (FileRow & { bytes: Buffer })[] = [];
      for (const id of ids) {
        const row = byId.get(id);
        const opened = row ? await store.open(row.path) : null;
        if (!row || !opened) {
          throw new AppError('not_found', `attachments: file ${id} not found`, {
            details: { field: 'attachments' },
          });
        }
        const parts: Buffer[] = [];
        for await (const chunk of opened.stream)
          parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        out.push({ ...row, bytes: Buffer.concat(parts) });
      }
      return out;
    },

    /** A fresh signed link to a private file (for job output shown to the portal). */
    signedUrl: (fileId: string): string => signer.sign(`/v1/files/${fileId}`, fileId, SIGNED_URL_TTL_S),

    /** Removes every file of a user, rows and bytes (run on `account.deleted`). */
    deleteAllForUser,
  };
}

export type FilesService = ReturnType<typeof createFilesService>;
