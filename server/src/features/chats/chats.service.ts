import type { ChatList, ChatWithMessages } from '@pocketllm/contracts';
import type { Db } from '../../db/client.js';
import { notFound } from '../../errors.js';
import { decodeTimeIdCursor } from '../../lib/cursor.js';
import type { UserEventLog } from '../../lib/user-events.js';
import { toChatSummary } from './chat.mapper.js';
import * as repo from './chats.repository.js';
import type { GenerationRegistry } from './generation.js';
import { createReadCache, type ReadBody, type ReadCache, toBody } from './read-cache.js';
import * as reads from './reads.repository.js';
import * as tree from './tree.repository.js';

export interface ChatsDeps {
  db: Db;
  registry: GenerationRegistry;
  userEvents?: UserEventLog;
  /** The hot reads' bodies (READ_CACHE_MB); none: every read runs its statement. */
  readCache?: ReadCache;
  /** Checks a model configuration belongs to the user (404 otherwise). */
  assertModelConfig(userId: string, id: string): Promise<void>;
}

export function createChatsService(deps: ChatsDeps) {
  const { db, registry } = deps;
  const cache = deps.readCache ?? createReadCache(0);

  async function ownChat(userId: string, chatId: string) {
    const chat = await repo.findChat(db, userId, chatId);
    if (!chat) throw notFound('Chat');
    return chat;
  }

  return {
    ownChat,

    /** `id`: the new chat's, when the caller chose it. @throws not_found for a model config that is not the caller's */
    async create(
      userId: string,
      input: { title?: string | undefined; model_config_id?: string | undefined },
      id?: string,
    ) {
      if (input.model_config_id) await deps.assertModelConfig(userId, input.model_config_id);
      const row = await repo.insertChat(db, {
        ...(id ? { id } : {}),
        userId,
        title: input.title ?? null,
        modelConfigId: input.model_config_id ?? null,
      });
      const chat = toChatSummary(row);
      deps.userEvents?.publish(userId, { event: 'chat.created', data: { chat } });
      return chat;
    },

    /** Newest activity first, keyset-paginated: the body of contracts' `chatList` (from the read cache). */
    async listBody(userId: string, q: { limit: number; cursor?: string | undefined }): Promise<ReadBody> {
      let after: { updatedAt: string; id: string } | undefined;
      if (q.cursor) {
        const { at, id } = decodeTimeIdCursor(q.cursor);
        after = { updatedAt: at, id };
      }
      const body = await cache.read(
        `list\0${userId}\0${q.limit}\0${after ? `${after.updatedAt}\0${after.id}` : ''}`,
        () => reads.chatListVersion(db, userId, q.limit, after),
        () => reads.chatListJson(db, userId, q.limit, after),
      );
      if (!body) throw new Error('chat list returned no row');
      return body;
    },

    /** listBody as JSON text. */
    async listJson(userId: string, q: { limit: number; cursor?: string | undefined }): Promise<string> {
      return (await this.listBody(userId, q)).body.toString();
    },

    /** listJson as an object (for callers that reshape it). */
    async list(userId: string, q: { limit: number; cursor?: string | undefined }): Promise<ChatList> {
      return JSON.parse(await this.listJson(userId, q)) as ChatList;
    },

    /**
     * A chat with the newest `limit` messages of its current path root → leaf (of the path above `before`
     * when paging back), oldest first, each with its siblings: the JSON text of contracts' `chatWithMessages`.
     * @throws not_found
     */
    async getBody(
      userId: string,
      chatId: string,
      q: { limit: number; before?: string | undefined },
    ): Promise<ReadBody> {
      // The newest messages (opening a chat) come from the read cache; paging back is rarer and reads them.
      if (q.before) return toBody(await this.getJson(userId, chatId, q));
      const body = await cache.read(
        `open\0${userId}\0${chatId}\0${q.limit}`,
        (was) => reads.chatPageVersion(db, userId, chatId, was),
        () => reads.chatPageJson(db, userId, chatId, { from: 'leaf', limit: q.limit }),
      );
      if (!body) throw notFound('Chat');
      return body;
    },

    /** getBody as JSON text (without the read cache). @throws not_found */
    async getJson(userId: string, chatId: string, q: { limit: number; before?: string | undefined }) {
      let from: string | null = 'leaf';
      if (q.before) {
        const before = await repo.findMessage(db, userId, q.before);
        if (!before || before.chatId !== chatId) {
          // a chat that is not the user's is named first, as when the chat is read before the message
          throw notFound((await repo.chatBelongsTo(db, userId, chatId)) ? 'Message' : 'Chat');
        }
        // above a first message there is nothing: the chat with no messages
        from = before.parentId;
      }
      const page = await reads.chatPageJson(db, userId, chatId, { from, limit: q.limit });
      if (page === undefined) throw notFound('Chat');
      return page.json;
    },

    /** getJson as an object. @throws not_found */
    async get(userId: string, chatId: string, q: { limit: number; before?: string | undefined }) {
      return JSON.parse(await this.getJson(userId, chatId, q)) as ChatWithMessages;
    },

    /** Shows the branch through `messageId`: the leaf becomes its newest descendant. @throws not_found */
    async setLeaf(userId: string, chatId: string, messageId: string) {
      const leaf = await tree.newestDescendant(db, chatId, messageId);
      if (!leaf) throw notFound('Message');
      if (!(await tree.setLeaf(db, userId, chatId, leaf))) throw notFound('Chat');
      return { current_leaf_id: leaf };
    },

    async update(
      userId: string,
      chatId: string,
      input: {
        title?: string | undefined;
        model_config_id?: string | null | undefined;
        system_prompt?: string | null | undefined;
      },
    ) {
      if (input.model_config_id) await deps.assertModelConfig(userId, input.model_config_id);
      const row = await repo.updateChat(db, userId, chatId, {
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.model_config_id !== undefined ? { modelConfigId: input.model_config_id } : {}),
        ...(input.system_prompt !== undefined ? { systemPrompt: input.system_prompt?.trim() || null } : {}),
      });
      if (!row) throw notFound('Chat');
      const chat = toChatSummary(row);
      deps.userEvents?.publish(userId, { event: 'chat.updated', data: { chat } });
      return chat;
    },

    /** Deletes a chat with its messages; a running answer in it is stopped. */
    async remove(userId: string, chatId: string) {
      if (!(await repo.deleteChat(db, userId, chatId))) throw notFound('Chat');
      registry.cancelChat(chatId);
      deps.userEvents?.publish(userId, { event: 'chat.deleted', data: { chat_id: chatId } });
    },
  };
}

export type ChatsService = ReturnType<typeof createChatsService>;
