import type { Message, MessageMetadata } from '@pocketllm/contracts';
import type { CacheHit } from '../../../answer-cache/answer-cache.js';
import type { Db } from '../../../db/client.js';
import type { MessageAttachment, MessageRow } from '../../../db/schema/index.js';
import { notFound } from '../../../errors.js';
import { toMessage } from '../../messages/message.mapper.js';
import { titleFrom } from '../context-window.js';
import { type AnswerRow, insertAnswer, insertTurn, type TurnPlace } from '../send.repository.js';

/** Step 4 of a send: the user's message and its answer, stored before any provider is called. */
export interface PersistedTurn {
  userMessage: Message;
  /** The answer's row: empty and 'streaming' until the generation writes it, or complete from the cache. */
  assistantRow: MessageRow;
}

/** A driver error's SQLSTATE, looked for along the `cause` chain (Drizzle wraps the driver's error). */
function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 4; e = e.cause, i++) {
    if ('code' in e && typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/**
 * Stores a turn in one statement. A chat without a title is named after its first prompt. A chat deleted
 * since it was read is a 404, like any other missing chat. @throws not_found
 */
export async function persistTurn(
  db: Db,
  turn: TurnPlace & {
    chatId: string;
    userId: string;
    chatTitle: string | null;
    prompt: string;
    answer: AnswerRow;
    attachments?: MessageAttachment[];
  },
): Promise<PersistedTurn> {
  try {
    const { user, assistant } = await insertTurn(db, {
      parentId: turn.parentId,
      chatId: turn.chatId,
      userId: turn.userId,
      prompt: turn.prompt,
      answer: turn.answer,
      title: turn.chatTitle ? null : titleFrom(turn.prompt),
      ...(turn.attachments?.length ? { attachments: turn.attachments } : {}),
    });
    return { userMessage: toMessage(user), assistantRow: assistant };
  } catch (err) {
    // 23503: the chat row the messages point at is gone (deleted by a concurrent request).
    if (sqlState(err) === '23503') throw notFound('Chat');
    throw err;
  }
}

/**
 * Stores a new answer (a regeneration) to the stored user message `promptId`, before any provider is called.
 * A chat or prompt deleted since it was read is a 404. @throws not_found
 */
export async function persistAnswer(
  db: Db,
  turn: { chatId: string; userId: string; promptId: string; answer: AnswerRow },
): Promise<MessageRow> {
  try {
    return await insertAnswer(db, turn);
  } catch (err) {
    if (sqlState(err) === '23503') throw notFound('Message');
    throw err;
  }
}

/** The answer row stored before the provider is called: empty and 'streaming', written by `writerId`. */
export const streamingAnswer = (metadata: MessageMetadata, writerId: string): AnswerRow => ({
  status: 'streaming',
  content: '',
  metadata,
  writerId,
});

/** The answer row of a cache hit: complete at once, its metadata saying where it came from. */
export function answerFromCache(
  metadata: MessageMetadata,
  hit: CacheHit,
  latencyMs: number,
): AnswerRow & { status: 'completed' } {
  return {
    status: 'completed',
    content: hit.answer.content,
    metadata: {
      ...metadata,
      cached: true,
      ...(hit.semantic ? { cache_match: 'similar' } : {}),
      latency_ms: latencyMs,
      ttft_ms: latencyMs,
      tokens_in: hit.answer.tokensIn,
      tokens_out: hit.answer.tokensOut,
      finish_reason: hit.answer.finishReason,
    },
  };
}
