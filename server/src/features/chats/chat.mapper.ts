import type { ChatSummary, Message } from '@pocketllm/contracts';
import type { ChatSummaryRow, MessageRow } from './chats.repository.js';

export const toChatSummary = (c: ChatSummaryRow): ChatSummary => ({
  id: c.id,
  title: c.title,
  model_config_id: c.modelConfigId,
  message_count: c.messageCount,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});

export const toMessage = (m: MessageRow): Message => ({
  id: m.id,
  chat_id: m.chatId,
  role: m.role,
  content: m.content,
  status: m.status,
  metadata: m.metadata,
  rating: m.rating,
  pinned: m.pinned,
  created_at: m.createdAt.toISOString(),
  updated_at: m.updatedAt.toISOString(),
});
