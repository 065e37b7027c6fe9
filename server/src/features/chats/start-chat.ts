import type { SendMessageBody } from '@pocketllm/contracts';
import type { ChatsService } from './chats.service.js';
import type { SendHandle, SendService } from './send.service.js';

export interface StartChatDeps {
  chats: ChatsService;
  chatSend: Pick<SendService, 'sendToNewChat'>;
}

/**
 * A new chat created together with its first message, so a client never has to make an empty chat first
 * (the portal's "New chat" is a draft until the user sends). The send is the ordinary pipeline; the chat's
 * row is made only once the send can no longer be refused (rate limit, no model configured, bad model…),
 * just before the turn is stored, and removed again should storing the turn fail, so no empty chat is left
 * behind.
 */
export function createStartChatService(deps: StartChatDeps) {
  return {
    /**
     * `admission`: the request's pending rate-limit check (awaited before anything is stored).
     * @throws what send throws: no_model_configured, provider_not_configured, validation_error, not_found,
     * rate_limited
     */
    async start(userId: string, body: SendMessageBody, admission?: Promise<void>): Promise<SendHandle> {
      let created: string | null = null;
      try {
        return await deps.chatSend.sendToNewChat(
          userId,
          body,
          async (chatId) => {
            await deps.chats.create(userId, {}, chatId);
            created = chatId;
          },
          admission,
        );
      } catch (err) {
        if (created) await deps.chats.remove(userId, created).catch(() => undefined);
        throw err;
      }
    },
  };
}

export type StartChatService = ReturnType<typeof createStartChatService>;
