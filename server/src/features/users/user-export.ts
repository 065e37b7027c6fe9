import type { UserExport } from '@pocketllm/contracts';
import type { Db } from '../../db/client.js';
import type { UserRow } from '../../db/schema/index.js';
import { toUserProfile } from './user-profile.js';
import * as repo from './users.repository.js';

const iso = (d: Date) => d.toISOString();

/**
 * Everything a user owns, as one JSON document: profile, chats with their messages (oldest first),
 * model configurations without any key material, and templates. One query per table, all in one
 * repeatable-read snapshot so a message sent meanwhile cannot appear without its chat.
 */
export async function buildUserExport(db: Db, user: UserRow): Promise<UserExport> {
  const { chatRows, messageRows, configRows, templateRows } = await db.transaction(
    async (tx) => ({
      chatRows: await repo.exportChats(tx, user.id),
      messageRows: await repo.exportMessages(tx, user.id),
      configRows: await repo.exportModelConfigs(tx, user.id),
      templateRows: await repo.exportTemplates(tx, user.id),
    }),
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );

  const byChat = new Map<string, UserExport['chats'][number]['messages']>();
  for (const m of messageRows) {
    let list = byChat.get(m.chatId);
    if (!list) {
      list = [];
      byChat.set(m.chatId, list);
    }
    list.push({
      id: m.id,
      chat_id: m.chatId,
      parent_id: m.parentId,
      role: m.role,
      content: m.content,
      status: m.status,
      metadata: m.metadata,
      rating: m.rating,
      pinned: m.pinned,
      attachments: m.attachments,
      created_at: iso(m.createdAt),
      updated_at: iso(m.updatedAt),
    });
  }

  return {
    exported_at: new Date().toISOString(),
    profile: toUserProfile(user),
    chats: chatRows.map((c) => ({
      id: c.id,
      title: c.title,
      model_config_id: c.modelConfigId,
      current_leaf_id: c.currentLeafId,
      created_at: iso(c.createdAt),
      updated_at: iso(c.updatedAt),
      messages: byChat.get(c.id) ?? [],
    })),
    model_configs: configRows.map((c) => ({
      id: c.id,
      name: c.name,
      provider: c.provider,
      model: c.model,
      base_url: c.baseUrl,
      local_endpoint_id: c.localEndpointId,
      system_prompt: c.systemPrompt,
      temperature: c.temperature,
      max_tokens: c.maxTokens,
      top_p: c.topP,
      frequency_penalty: c.frequencyPenalty,
      presence_penalty: c.presencePenalty,
      is_default: c.isDefault,
      created_at: iso(c.createdAt),
      updated_at: iso(c.updatedAt),
    })),
    templates: templateRows.map((t) => ({
      id: t.id,
      name: t.name,
      description: t.description,
      content: t.content,
      created_at: iso(t.createdAt),
      updated_at: iso(t.updatedAt),
    })),
  };
}
