import { z } from 'zod';
import { sendMessageBody } from './chats.js';

// A chat is a tree of messages: regenerate and edit add a sibling branch, the leaf picks the branch shown.

/** A new answer to the same user message: optionally another model or other params. */
export const regenerateMessageBody = sendMessageBody
  .pick({
    model_config_id: true,
    provider: true,
    local_model_id: true,
    model: true,
    params: true,
    stream: true,
  })
  .strict();
export type RegenerateMessageBody = z.infer<typeof regenerateMessageBody>;

/**
 * A new version of a user message (a sibling of it) and a new answer under it, optionally from a chosen
 * model. It is a send under the original's parent, so whatever else a send carries (attachments) is picked
 * here as well.
 */
export const editMessageBody = sendMessageBody
  .pick({
    content: true,
    stream: true,
    model_config_id: true,
    provider: true,
    local_model_id: true,
    model: true,
    params: true,
    attachments: true,
  })
  .strict();
export type EditMessageBody = z.infer<typeof editMessageBody>;

/** Switch the branch shown: the leaf becomes the newest message under `message_id`. */
export const setLeafBody = z.object({ message_id: z.uuid() }).strict();
export type SetLeafBody = z.infer<typeof setLeafBody>;
export const setLeafResult = z.object({ current_leaf_id: z.uuid() });
