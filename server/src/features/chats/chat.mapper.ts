import type { ChatSummary } from '@pocketllm/contracts';
import type { ChatSummaryRow } from './chats.repository.js';

export const toChatSummary = (c: ChatSummaryRow): ChatSummary => ({
  id: c.id,
  title: c.title,
  model_config_id: c.modelConfigId,
  system_prompt: c.systemPrompt,
  message_count: c.messageCount,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});
