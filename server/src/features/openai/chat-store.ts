/**
 * `X-PocketLLM-Chat: new|<chat id>`: the exchange (the last user message and the answer) is stored in a chat
 * with the send pipeline's persist step: the prompt and an empty `streaming` answer before the provider is
 * called, the answer finished when it is complete (or failed).
 */
import type { MessageMetadata, OpenAIChatBody } from '@pocketllm/contracts';
import type { Db } from '../../db/client.js';
import { invalidField, notFound } from '../../errors.js';
import { persistTurn } from '../chats/pipeline/persist.js';
import { finishAnswer, loadSendState } from '../chats/send.repository.js';

export const CHAT_HEADER = 'x-pocketllm-chat';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface StoreDeps {
  db: Db;
  chats: { create(userId: string, input: { title?: string }): Promise<{ id: string }> };
}

export interface OpenTurn {
  chatId: string;
  answerId: string;
  metadata: MessageMetadata;
}

/** The header's value checked: `new` or a chat id. @throws validation_error naming the header */
export function chatTarget(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  const v = Array.isArray(value) ? value[0] : value;
  if (v === 'new' || (v && UUID.test(v))) return v;
  throw invalidField(CHAT_HEADER, 'must be `new` or the id of one of your chats');
}

function lastPrompt(body: OpenAIChatBody): string {
  const last = body.messages[body.messages.length - 1];
  const c = last?.content;
  const text =
    typeof c === 'string'
      ? c
      : Array.isArray(c)
        ? c.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('')
        : '';
  if (last?.role !== 'user' || !text)
    throw invalidField('messages', 'storing in a chat needs a last message from the user with text');
  return text;
}

/** Stores the prompt and an empty answer. @throws not_found (another user's or no chat), validation_error */
export async function openTurn(
  deps: StoreDeps,
  userId: string,
  target: string,
  body: OpenAIChatBody,
  metadata: MessageMetadata,
): Promise<OpenTurn> {
  const prompt = lastPrompt(body);
  let chatId = target;
  let title: string | null = null;
  // The exchange goes at the end of the branch the chat shows (a new chat: first message).
  let parentId: string | null = null;
  if (target === 'new') chatId = (await deps.chats.create(userId, {})).id;
  else {
    const state = await loadSendState(deps.db, userId, target);
    if (!state) throw notFound('Chat');
    title = state.chat.title;
    parentId = state.parentId;
  }
  // No writer instance: the answer is not a generation of the registry; a sweep ends it if it is left behind.
  const { assistantRow } = await persistTurn(deps.db, {
    chatId,
    userId,
    chatTitle: title,
    parentId,
    prompt,
    answer: { status: 'streaming', content: '', metadata, writerId: null },
  });
  return { chatId, answerId: assistantRow.id, metadata };
}

export async function finishTurn(
  db: Db,
  turn: OpenTurn,
  values: { content: string; status: 'completed' | 'failed'; metadata: MessageMetadata },
): Promise<void> {
  await finishAnswer(db, turn.answerId, {
    content: values.content,
    status: values.status,
    metadata: { ...turn.metadata, ...values.metadata },
  });
}
