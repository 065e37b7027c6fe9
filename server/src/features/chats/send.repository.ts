import type { MessageMetadata } from '@pocketllm/contracts';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { MessageAttachment, MessageRow } from '../../db/schema/index.js';
import { chats, messages } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import type { HistoryItem } from './context-window.js';

// The queries every send runs, prepared once per database: Drizzle builds their SQL text once instead of on
// every call, and node-postgres parses and plans each once per connection (a named statement). Values that
// Drizzle would fill in itself (ids, timestamps) are passed in, since a prepared statement would freeze them.

// No model's context holds more than this many turns; reading further back costs every send for nothing.
export const HISTORY_WINDOW = 500;

/** What a send needs of its chat: the row's few fields and its newest earlier messages, oldest first. */
export interface SendState {
  chat: { id: string; title: string | null; modelConfigId: string | null; systemPrompt: string | null };
  history: HistoryItem[];
}

/** One answer row as a send stores it: empty while it is written, or complete (a cached answer). */
export interface AnswerRow {
  status: 'streaming' | 'completed';
  content: string;
  metadata: MessageMetadata;
  /** The instance writing a 'streaming' answer, so a sweep can end it if that instance dies. */
  writerId?: string | null;
}

function prepare(db: Db) {
  const recent = db
    .select({
      id: messages.id,
      createdAt: messages.createdAt,
      role: messages.role,
      content: messages.content,
      status: messages.status,
    })
    .from(messages)
    .where(eq(messages.chatId, chats.id))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(HISTORY_WINDOW)
    .as('recent');
  // The chat and its history in one round trip: a chat without messages gives one row of nulls.
  const sendState = db
    .select({
      id: chats.id,
      title: chats.title,
      modelConfigId: chats.modelConfigId,
      systemPrompt: chats.systemPrompt,
      role: recent.role,
      content: recent.content,
      status: recent.status,
    })
    .from(chats)
    .leftJoinLateral(recent, sql`true`)
    .where(and(eq(chats.id, sql.placeholder('chatId')), eq(chats.userId, sql.placeholder('userId'))))
    .orderBy(desc(recent.createdAt), desc(recent.id))
    .prepare('send_state');

  // Both messages and the chat's counters in one statement (so one round trip, atomic without BEGIN/COMMIT):
  // the chat update is a data-modifying CTE, which PostgreSQL runs whether or not the insert reads it.
  const bump = db.$with('bump').as(
    db
      .update(chats)
      .set({
        messageCount: sql`${chats.messageCount} + 2`,
        updatedAt: sql`${sql.placeholder('now')}::timestamptz`,
        title: sql`coalesce(${chats.title}, ${sql.placeholder('title')}::text)`,
      })
      .where(eq(chats.id, sql.placeholder('chatId')))
      .returning({ id: chats.id }),
  );
  const row = (n: 'u' | 'a') => ({
    id: sql.placeholder(`${n}Id`),
    chatId: sql.placeholder('chatId'),
    userId: sql.placeholder('userId'),
    role: sql.placeholder(`${n}Role`),
    content: sql.placeholder(`${n}Content`),
    status: sql.placeholder(`${n}Status`),
    metadata: sql.placeholder(`${n}Metadata`),
    writerId: sql.placeholder(`${n}WriterId`),
    attachments: sql.placeholder(`${n}Attachments`),
    createdAt: sql.placeholder(`${n}CreatedAt`),
    updatedAt: sql.placeholder('now'),
  });
  const insertTurn = db
    .with(bump)
    .insert(messages)
    .values([row('u'), row('a')])
    .returning()
    .prepare('insert_turn');
  // The last write of every answer: its text, status and facts.
  const finishAnswer = db
    .update(messages)
    .set({
      // An update's set takes no bare placeholder; these carry the driver's values (metadata as JSON text).
      content: sql`${sql.placeholder('content')}`,
      status: sql`${sql.placeholder('status')}`,
      metadata: sql`${sql.placeholder('metadata')}::jsonb`,
      updatedAt: sql`${sql.placeholder('now')}::timestamptz`,
    })
    .where(eq(messages.id, sql.placeholder('id')))
    .returning()
    .prepare('finish_answer');
  return { sendState, insertTurn, finishAnswer };
}

const statements = new WeakMap<Db, ReturnType<typeof prepare>>();
function prepared(db: Db) {
  let s = statements.get(db);
  if (!s) {
    s = prepare(db);
    statements.set(db, s);
  }
  return s;
}

/** The user's chat with its history, or undefined when there is no such chat of theirs. */
export async function loadSendState(db: Db, userId: string, chatId: string): Promise<SendState | undefined> {
  const rows = await prepared(db).sendState.execute({ chatId, userId });
  const first = rows[0];
  if (!first) return undefined;
  const history: HistoryItem[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i];
    if (r?.role && r.content !== null && r.status) {
      history.push({ role: r.role, content: r.content, status: r.status });
    }
  }
  const { id, title, modelConfigId, systemPrompt } = first;
  return { chat: { id, title, modelConfigId, systemPrompt }, history };
}

/**
 * Stores the user's message and its answer, and counts both (and names the chat when it has no title yet)
 * in the chat row. The answer is one millisecond younger, so it sorts after the question.
 */
export async function insertTurn(
  db: Db,
  t: {
    chatId: string;
    userId: string;
    prompt: string;
    answer: AnswerRow;
    title: string | null;
    now?: Date;
    attachments?: MessageAttachment[];
  },
): Promise<{ user: MessageRow; assistant: MessageRow }> {
  const now = t.now ?? new Date();
  const userId = newId();
  const answerId = newId();
  const rows = await prepared(db).insertTurn.execute({
    chatId: t.chatId,
    userId: t.userId,
    now,
    title: t.title,
    uId: userId,
    uRole: 'user',
    uContent: t.prompt,
    uStatus: 'completed',
    uMetadata: {},
    uWriterId: null,
    uAttachments: t.attachments ?? [],
    uCreatedAt: now,
    aId: answerId,
    aRole: 'assistant',
    aContent: t.answer.content,
    aStatus: t.answer.status,
    aMetadata: t.answer.metadata,
    aWriterId: t.answer.writerId ?? null,
    aAttachments: [],
    aCreatedAt: new Date(now.getTime() + 1),
  });
  const user = rows.find((r) => r.id === userId);
  const assistant = rows.find((r) => r.id === answerId);
  if (!user || !assistant) throw new Error('insert returned no rows');
  return { user, assistant };
}

/** Stores an answer's final text, status and metadata; the row, or undefined when it is gone. */
export async function finishAnswer(
  db: Db,
  messageId: string,
  values: Pick<MessageRow, 'content' | 'status' | 'metadata'>,
): Promise<MessageRow | undefined> {
  const rows = await prepared(db).finishAnswer.execute({
    id: messageId,
    content: values.content,
    status: values.status,
    metadata: JSON.stringify(values.metadata),
    now: new Date(),
  });
  return rows[0];
}
