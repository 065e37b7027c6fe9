import type { MessageMetadata } from '@pocketllm/contracts';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { perDb } from '../../db/prepared.js';
import type { MessageAttachment, MessageRow } from '../../db/schema/index.js';
import { chats, messages } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { HISTORY_TOKEN_BUDGET, type HistoryItem } from './context-window.js';

// The queries every send runs, prepared once per database: Drizzle builds their SQL text once instead of on
// every call, and node-postgres parses and plans each once per connection (a named statement). Values that
// Drizzle would fill in itself (ids, timestamps) are passed in, since a prepared statement would freeze them.

// The history is read by token budget: the walk up the path stops once the messages a model could be given
// (see context-window.ts) add up to HISTORY_TOKEN_BUDGET, estimated as the context window estimates them.
// HISTORY_MAX_ROWS only bounds a path of messages that cost nothing (failed or empty answers).
export const HISTORY_MAX_ROWS = 5000;

/** What a send needs of its chat: the row's few fields and the path above the new message, oldest first. */
export interface SendState {
  chat: { id: string; title: string | null; modelConfigId: string | null; systemPrompt: string | null };
  /** The message the new one follows: the requested parent, else the chat's leaf; null for a first message. */
  parentId: string | null;
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
  // The walk up from the parent (the chat's leaf, or a given message of the chat) is a recursive CTE,
  // nested in a plain one since Drizzle has no WITH RECURSIVE. Each step is one primary-key lookup.
  const cost = sql.raw(
    "case when m.role <> 'system' and m.content <> '' and m.status not in ('failed', 'streaming') " +
      'then ceil(length(m.content) / 4.0)::int + 4 else 0 end',
  );
  // The walk carries each message's fields itself: joining messages again on the walk's ids let the planner
  // hash the whole table (a seq scan per send) whenever its statistics said the table was small.
  const walk = db
    .$with('hist', {
      id: sql<string>`hist_id`.as('hist_id'),
      role: sql<MessageRow['role']>`hist_role`.as('hist_role'),
      content: sql<string>`hist_content`.as('hist_content'),
      status: sql<MessageRow['status']>`hist_status`.as('hist_status'),
      depth: sql<number>`hist_depth`.as('hist_depth'),
    })
    .as(sql`
    with recursive w(id, parent_id, role, content, status, depth, used) as (
      select m.id, m.parent_id, m.role, m.content, m.status, 0, ${cost}
        from ${chats} c join ${messages} m
          on m.id = case when ${sql.placeholder('fromLeaf')}::boolean then c.current_leaf_id
                         else ${sql.placeholder('parentId')}::uuid end
         and m.chat_id = c.id
       where c.id = ${sql.placeholder('chatId')} and c.user_id = ${sql.placeholder('userId')}
      union all
      select m.id, m.parent_id, m.role, m.content, m.status, w.depth + 1, w.used + ${cost}
        from w join ${messages} m on m.id = w.parent_id
       where w.used < ${sql.placeholder('budget')}::int and w.depth < ${HISTORY_MAX_ROWS}
    )
    select id as hist_id, role as hist_role, content as hist_content, status as hist_status,
           depth as hist_depth from w`);
  // The chat and its history in one round trip: a chat without messages gives one row of nulls.
  const sendState = db
    .with(walk)
    .select({
      id: chats.id,
      title: chats.title,
      modelConfigId: chats.modelConfigId,
      systemPrompt: chats.systemPrompt,
      messageId: walk.id,
      role: walk.role,
      content: walk.content,
      status: walk.status,
    })
    .from(chats)
    .leftJoin(walk, sql`true`)
    .where(and(eq(chats.id, sql.placeholder('chatId')), eq(chats.userId, sql.placeholder('userId'))))
    .orderBy(desc(walk.depth))
    .prepare('send_state');

  // Both messages and the chat's counters in one statement (so one round trip, atomic without BEGIN/COMMIT):
  // the chat update is a data-modifying CTE, which PostgreSQL runs whether or not the insert reads it.
  // The chat's leaf moves to the new answer: the chat now shows the branch it ends.
  const bumpBy = (name: string, n: number) =>
    db.$with(name).as(
      db
        .update(chats)
        .set({
          messageCount: sql`${chats.messageCount} + ${sql.raw(String(n))}`,
          updatedAt: sql`${sql.placeholder('now')}::timestamptz`,
          title: sql`coalesce(${chats.title}, ${sql.placeholder('title')}::text)`,
          currentLeafId: sql`${sql.placeholder('aId')}::uuid`,
        })
        .where(eq(chats.id, sql.placeholder('chatId')))
        .returning({ id: chats.id }),
    );
  const bump = bumpBy('bump', 2);
  const row = (n: 'u' | 'a') => ({
    id: sql.placeholder(`${n}Id`),
    parentId: sql.placeholder(`${n}ParentId`),
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
  // A regenerated answer alone, under the user message it answers again.
  const insertAnswer = db
    .with(bumpBy('bump_one', 1))
    .insert(messages)
    .values([row('a')])
    .returning()
    .prepare('insert_answer');
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
  return { sendState, insertTurn, insertAnswer, finishAnswer };
}

const prepared = perDb(prepare);

/**
 * The user's chat with the path above a new message, oldest first, read back from `parentId` (the chat's
 * leaf when undefined; null: a new first message) until it holds `budget` tokens. Undefined when there is no
 * such chat of theirs. A `parentId` not in the chat gives `parentId: null` (the caller answers 404).
 */
export async function loadSendState(
  db: Db,
  userId: string,
  chatId: string,
  opts: { parentId?: string | null | undefined; budget?: number } = {},
): Promise<SendState | undefined> {
  const rows = await prepared(db).sendState.execute({
    chatId,
    userId,
    fromLeaf: opts.parentId === undefined,
    parentId: opts.parentId ?? null,
    budget: opts.budget ?? HISTORY_TOKEN_BUDGET,
  });
  const first = rows[0];
  if (!first) return undefined;
  const history: HistoryItem[] = [];
  for (const r of rows) {
    if (r.role && r.content !== null && r.status) {
      history.push({ role: r.role, content: r.content, status: r.status });
    }
  }
  return {
    chat: {
      id: first.id,
      title: first.title,
      modelConfigId: first.modelConfigId,
      systemPrompt: first.systemPrompt,
    },
    parentId: rows.at(-1)?.messageId ?? null,
    history,
  };
}

/** Where a turn goes in the chat's tree: the user message's parent (null: a new first message). */
export interface TurnPlace {
  parentId: string | null;
}

/**
 * Stores the user's message and its answer under `parentId`, counts both (and names the chat when it has no
 * title yet) and moves the chat's leaf to the answer, in one statement. The answer is one millisecond
 * younger, so it sorts after the question.
 */
export async function insertTurn(
  db: Db,
  t: TurnPlace & {
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
    uParentId: t.parentId,
    uRole: 'user',
    uContent: t.prompt,
    uStatus: 'completed',
    uMetadata: {},
    uWriterId: null,
    uAttachments: t.attachments ?? [],
    uCreatedAt: now,
    ...answerValues(answerId, userId, t.answer, new Date(now.getTime() + 1)),
  });
  const user = rows.find((r) => r.id === userId);
  const assistant = rows.find((r) => r.id === answerId);
  if (!user || !assistant) throw new Error('insert returned no rows');
  return { user, assistant };
}

const answerValues = (id: string, parentId: string, a: AnswerRow, createdAt: Date) => ({
  aId: id,
  aParentId: parentId,
  aRole: 'assistant',
  aContent: a.content,
  aStatus: a.status,
  aMetadata: a.metadata,
  aWriterId: a.writerId ?? null,
  aAttachments: [],
  aCreatedAt: createdAt,
});

/** Stores a new answer to the user message `promptId` (a sibling of its other answers) and makes it the leaf. */
export async function insertAnswer(
  db: Db,
  t: { chatId: string; userId: string; promptId: string; answer: AnswerRow; now?: Date },
): Promise<MessageRow> {
  const now = t.now ?? new Date();
  const rows = await prepared(db).insertAnswer.execute({
    chatId: t.chatId,
    userId: t.userId,
    now,
    title: null,
    ...answerValues(newId(), t.promptId, t.answer, now),
  });
  const [answer] = rows;
  if (!answer) throw new Error('insert returned no rows');
  return answer;
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
