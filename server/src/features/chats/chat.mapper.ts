import type { ChatSummary } from '@pocketllm/contracts';
import type { ChatSummaryRow } from './chats.repository.js';

export const toChatSummary = (c: ChatSummaryRow): ChatSummary => ({
  id: c.id,
  title: c.title,
  model_config_id: c.modelConfigId,
  message_count: c.messageCount,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});

/** Messages are shown through the messages feature's mapper, the one shape for every route. */
export { toMessage } from '../messages/message.mapper.js';
