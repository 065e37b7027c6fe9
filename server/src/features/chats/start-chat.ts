import type { SendMessageBody } from '@pocketllm/contracts';
import type { ChatsService } from './chats.service.js';
import type { SendHandle } from './send.service.js';

export interface StartChatDeps {
  chats: ChatsService;
  chatSend: { send(userId: string, chatId: string, body: SendMessageBody): Promise<SendHandle> };
}

/**
 * A new chat created together with its first message, so a client never has to make an empty chat first
 * (the portal's "New chat" is a draft until the user sends). The send is the ordinary one; when it refuses
 * the message (no model configured, bad model…), the chat just made is removed again so no empty chat is
 * left behind.
 */
export function createStartChatService(deps: StartChatDeps) {
  return {
    /** @throws what send throws: no_model_configured, provider_not_configured, validation_error, not_found */
    async start(userId: string, body: SendMessageBody): Promise<SendHandle> {
      const chat = await deps.chats.create(userId, {});
      try {
        return await deps.chatSend.send(userId, chat.id, body);
      } catch (err) {
        await deps.chats.remove(userId, chat.id).catch(() => undefined);
        throw err;
      }
    },
  };
}

export type StartChatService = ReturnType<typeof createStartChatService>;
