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

/** A chat of PocketLLM's own export (GET /v1/users/me/export); tree fields are read when present. */
const exportedMessage = z.object({
  id: z.string().min(1).max(200),
  parent_id: z.string().nullish(),
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  status: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  created_at: z.string().nullish(),
});
export const exportedChat = z.object({
  id: z.string().min(1).max(200),
  title: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  current_leaf_id: z.string().nullish(),
  messages: z.array(exportedMessage),
});

const STATUSES = new Set(['completed', 'failed', 'aborted']);
const textField = (v: unknown) => (typeof v === 'string' && v !== '' ? storable(v).slice(0, 200) : null);

/**
 * One chat of a PocketLLM export. Messages keep their tree when the export has `parent_id`s; an export
 * without them (oldest first) becomes one branch. An answer that was still streaming becomes `aborted`.
 * @throws a ZodError when the entry is not an exported chat
 */
export function fromPocketllm(raw: unknown): ImportedChat {
  const chat = exportedChat.parse(raw);
  const created = dateOf(chat.created_at, new Date(0));
  const hasTree = chat.messages.some((m) => m.parent_id !== undefined);
  const messages: ImportedMessage[] = chat.messages.map((m, i) => ({
    key: m.id,
    parentKey: hasTree ? (m.parent_id ?? null) : (chat.messages[i - 1]?.id ?? null),
    role: m.role,
    content: storable(m.content),
    status: m.status && STATUSES.has(m.status) ? (m.status as ImportedMessage['status']) : 'aborted',
    createdAt: dateOf(m.created_at, created),
    model: textField(m.metadata?.model),
    provider: textField(m.metadata?.provider),
  }));
  const ordered = parentsFirst(messages);
  const lastKey = chat.messages.at(-1)?.id ?? null;
  return {
    sourceId: `pocketllm:${storable(chat.id)}`,
    title: titleOf(chat.title),
    createdAt: created,
    updatedAt: dateOf(chat.updated_at, created),
    messages: ordered,
    leafKey: leafOf(ordered, chat.current_leaf_id ?? lastKey),
  };
}
