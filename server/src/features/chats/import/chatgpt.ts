import { z } from 'zod';
import {
  dateOf,
  type ImportedChat,
  type ImportedMessage,
  leafOf,
  parentsFirst,
  storable,
  titleOf,
} from './imported-chat.js';

/** The parts of a ChatGPT `conversations.json` entry we read; anything else in it is ignored. */
const chatgptMessage = z.object({
  author: z.object({ role: z.string() }),
  create_time: z.number().nullish(),
  content: z
    .object({ content_type: z.string(), parts: z.array(z.unknown()).nullish(), text: z.string().nullish() })
    .nullish(),
  recipient: z.string().nullish(),
  metadata: z
    .object({ model_slug: z.string().nullish(), is_visually_hidden_from_conversation: z.boolean().nullish() })
    .nullish(),
});
const chatgptNode = z.object({
  message: chatgptMessage.nullish(),
  parent: z.string().nullish(),
});
export const chatgptConversation = z.object({
  title: z.string().nullish(),
  create_time: z.number().nullish(),
  update_time: z.number().nullish(),
  mapping: z.record(z.string(), chatgptNode),
  current_node: z.string().nullish(),
  conversation_id: z.string().nullish(),
  id: z.string().nullish(),
});
type ChatgptMessage = z.infer<typeof chatgptMessage>;

/** What a message says, as text: its text parts (a picture becomes "[image]"); null when nothing to show. */
function textOf(msg: ChatgptMessage): string | null {
  const content = msg.content;
  if (!content) return null;
  let text = '';
  if (content.content_type === 'text' || content.content_type === 'multimodal_text') {
    const parts: string[] = [];
    for (const part of content.parts ?? []) {
      if (typeof part === 'string') parts.push(part);
      else if (part && typeof part === 'object' && 'content_type' in part) {
        if (part.content_type === 'image_asset_pointer') parts.push('[image]');
      }
    }
    text = parts.join('\n\n');
  } else if (content.content_type === 'code' && content.text) {
    text = `\`\`\`\n${content.text}\n\`\`\``;
  } else {
    // Browsing results, tool output, reasoning summaries: not part of the conversation as shown.
    return null;
  }
  text = storable(text);
  return text.trim() === '' ? null : text;
}

/** A message worth importing: a visible user or assistant turn addressed to the user (not a tool call). */
function keep(msg: ChatgptMessage | null | undefined): msg is ChatgptMessage {
  if (!msg) return false;
  const role = msg.author.role;
  if (role !== 'user' && role !== 'assistant') return false;
  if (msg.metadata?.is_visually_hidden_from_conversation) return false;
  return !msg.recipient || msg.recipient === 'all';
}

/**
 * One ChatGPT conversation as our tree: its `mapping` nodes become messages, each under its nearest kept
 * ancestor (the hidden root, system prompts and tool calls are skipped); the chat shows `current_node`'s
 * branch. @throws a ZodError when the entry is not a conversation
 */
export function fromChatgpt(raw: unknown): ImportedChat {
  const conv = chatgptConversation.parse(raw);
  const sourceKey = conv.conversation_id ?? conv.id;
  const convCreated = dateOf(conv.create_time, new Date(0));
  const nodes = conv.mapping;
  const kept = new Map<string, { msg: ChatgptMessage; text: string }>();
  for (const [key, node] of Object.entries(nodes)) {
    if (!keep(node.message)) continue;
    const text = textOf(node.message);
    if (text !== null) kept.set(key, { msg: node.message, text });
  }
  /** The nearest kept node at or above `key` (bounded walk: a cycle in the file ends it). */
  const keptAtOrAbove = (start: string | null | undefined): string | null => {
    let key = start ?? null;
    for (let steps = 0; key !== null && steps <= Object.keys(nodes).length; steps++) {
      if (kept.has(key)) return key;
      key = nodes[key]?.parent ?? null;
    }
    return null;
  };
  const messages: ImportedMessage[] = [];
  for (const [key, { msg, text }] of kept) {
    const role = msg.author.role === 'user' ? 'user' : 'assistant';
    messages.push({
      key,
      parentKey: keptAtOrAbove(nodes[key]?.parent),
      role,
      content: text,
      status: 'completed',
      createdAt: dateOf(msg.create_time, convCreated),
      model: role === 'assistant' && msg.metadata?.model_slug ? storable(msg.metadata.model_slug) : null,
      provider: role === 'assistant' ? 'chatgpt' : null,
    });
  }
  const ordered = parentsFirst(messages);
  // A key of the conversation's own, else one made of its title and time (an old export without ids).
  const sourceId = `chatgpt:${storable(sourceKey ?? `${conv.title ?? ''}@${conv.create_time ?? ''}`)}`;
  return {
    sourceId: sourceId.slice(0, 500),
    title: titleOf(conv.title),
    createdAt: convCreated,
    updatedAt: dateOf(conv.update_time, convCreated),
    messages: ordered,
    leafKey: leafOf(ordered, keptAtOrAbove(conv.current_node)),
  };
}
