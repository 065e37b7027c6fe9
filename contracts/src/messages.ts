import { z } from 'zod';
import { message } from './chats.js';
import { nextCursor } from './common.js';

export const rateMessageBody = z.object({
  rating: z.enum(['up', 'down']).nullable(),
});
export type RateMessageBody = z.infer<typeof rateMessageBody>;

/** `{}` or no body toggles; `{pinned}` sets it. */
export const pinMessageBody = z.object({ pinned: z.boolean().optional() }).strict().nullish();
export type PinMessageBody = z.infer<typeof pinMessageBody>;

export const pinMessageResult = z.object({ message_id: z.uuid(), pinned: z.boolean() });

/** A pinned message with the title of its chat, so a list of them says where each one is. */
export const pinnedMessage = message.extend({ chat_title: z.string().nullable() });
export const pinnedMessageList = z.object({ messages: z.array(pinnedMessage), next_cursor: nextCursor });
