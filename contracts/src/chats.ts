import { z } from 'zod';
import { hasSomeField, NOTHING_TO_CHANGE, nextCursor, timestamp } from './common.js';

export const messageRole = z.enum(['system', 'user', 'assistant']);
export const messageStatus = z.enum(['streaming', 'completed', 'failed', 'aborted']);

export const messageMetadata = z
  .object({
    provider: z.string().optional(),
    model: z.string().optional(),
    latency_ms: z.number().optional(),
    ttft_ms: z.number().nullable().optional(),
    tokens_in: z.number().optional(),
    tokens_out: z.number().optional(),
    cached: z.boolean().optional(),
    finish_reason: z.string().nullable().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    failover: z.record(z.string(), z.unknown()).optional(),
    local_model_id: z.string().optional(),
  })
  .catchall(z.unknown());
export type MessageMetadata = z.infer<typeof messageMetadata>;

/** A file given to the model with a message, as stored with it. */
export const messageAttachment = z.object({
  id: z.uuid(),
  name: z.string(),
  content_type: z.string(),
  size: z.number().int(),
});
export type MessageAttachmentInfo = z.infer<typeof messageAttachment>;

export const message = z.object({
  id: z.uuid(),
  chat_id: z.uuid(),
  /** The message this one follows in the chat's tree (null for a first message). */
  parent_id: z.uuid().nullable(),
  role: messageRole,
  content: z.string(),
  status: messageStatus,
  metadata: messageMetadata,
  rating: z.enum(['up', 'down']).nullable(),
  pinned: z.boolean(),
  /** Files sent with this (user) message: pictures and documents the model was given (none when absent). */
  attachments: z.array(messageAttachment).default([]),
  created_at: timestamp,
  updated_at: timestamp,
});
export type Message = z.infer<typeof message>;

export const chatSummary = z.object({
  id: z.uuid(),
  title: z.string().nullable(),
  model_config_id: z.uuid().nullable(),
  /** The chat's own system prompt (given to the model over its configuration's); null when it has none. */
  system_prompt: z.string().nullable(),
  message_count: z.number().int(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type ChatSummary = z.infer<typeof chatSummary>;

export const chatList = z.object({ chats: z.array(chatSummary), next_cursor: nextCursor });
export type ChatList = z.infer<typeof chatList>;
/** A message on the chat's current path, with its siblings (same parent, oldest first) for "2 / 3". */
export const pathMessage = message.extend({
  sibling_ids: z.array(z.uuid()),
  sibling_index: z.number().int().min(0),
});
export type PathMessage = z.infer<typeof pathMessage>;
export const chatWithMessages = chatSummary.extend({
  /** The end of the branch shown: `messages` is the path root → this leaf (its newest part with `limit`). */
  current_leaf_id: z.uuid().nullable(),
  messages: z.array(pathMessage),
  /** Id of the oldest message returned, to pass as `before` for the previous window; null at the start. */
  has_more: z.boolean(),
});
export type ChatWithMessages = z.infer<typeof chatWithMessages>;

export const createChatBody = z.object({
  title: z.string().trim().min(1).max(200).optional(),
  model_config_id: z.uuid().optional(),
});
export const updateChatBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    model_config_id: z.uuid().nullable(),
    /** null or blank clears it: the model configuration's system prompt applies again. */
    system_prompt: z.string().max(100_000).nullable(),
  })
  .partial()
  .strict()
  .refine(hasSomeField, NOTHING_TO_CHANGE);
export const chatWindowQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.uuid().optional(),
});

export const chatParams = z
  .object({
    temperature: z.number().min(0).max(2),
    max_tokens: z.number().int().min(1).max(200_000),
    top_p: z.number().min(0).max(1),
    frequency_penalty: z.number().min(-2).max(2),
    presence_penalty: z.number().min(-2).max(2),
  })
  .partial()
  .strict();
export type ChatParamsInput = z.infer<typeof chatParams>;

export const sendMessageBody = z.object({
  content: z.string().min(1, 'content must not be empty').max(200_000),
  model_config_id: z.uuid().optional(),
  /** A catalogue provider or `gguf` (in process); `local_model_id` picks one of the user's endpoints instead. */
  provider: z.string().min(1).max(64).optional(),
  local_model_id: z.uuid().optional(),
  model: z.string().min(1).max(200).optional(),
  params: chatParams.optional(),
  stream: z.boolean().optional(),
  attachments: z
    .array(z.uuid())
    .max(10)
    .optional()
    .describe('ids of files uploaded through /v1/files: pictures (PNG, JPEG, WebP, GIF) and documents'),
  parent_id: z
    .uuid()
    .nullable()
    .optional()
    .describe('The message this one follows (default: the chat’s current leaf; null: a new first message)'),
  cache: z
    .boolean()
    .optional()
    .describe('false: neither look the prompt up in the answer cache nor keep this answer in it'),
});
export type SendMessageBody = z.infer<typeof sendMessageBody>;

export const sendMessageResult = z.object({
  user_message: message,
  assistant_message: message,
  cached: z.boolean(),
});
