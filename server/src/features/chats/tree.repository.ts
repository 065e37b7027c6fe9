import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.js';
import { perDb } from '../../db/prepared.js';
import type { MessageRow } from '../../db/schema/index.js';
import { chats, messages } from '../../db/schema/index.js';

// A chat's messages form a tree (messages.parent_id); the chat shows one branch, the path from the root to
// chats.current_leaf_id. These are the tree's reads, prepared once per database like the send's.

/** A message on a path, with the ids of it and its siblings (same parent) oldest first. */
export interface PathMessage {
  row: MessageRow;
  siblingIds: string[];
}

// No path is this deep; it only bounds a walk that asked for "all of it".
const WHOLE_PATH = 1_000_000;

function prepare(db: Db) {
  // The walk goes up from its start through parent_id (one primary-key lookup per step) and stops after
  // `limit` + 1 messages, so a window costs its size, not the path's. Drizzle has no WITH RECURSIVE: the
  // recursive CTE is nested inside a plain one.
  const walk = db
    .$with('walk', {
      id: sql<string>`path_id`.as('path_id'),
      depth: sql<number>`path_depth`.as('path_depth'),
    })
    .as(sql`
    with recursive w(id, parent_id, depth) as (
      select m.id, m.parent_id, 0
        from ${chats} c join ${messages} m
          on m.id = case when ${sql.placeholder('fromLeaf')}::boolean then c.current_leaf_id
                         else ${sql.placeholder('startId')}::uuid end
         and m.chat_id = c.id
       where c.id = ${sql.placeholder('chatId')} and c.user_id = ${sql.placeholder('userId')}
      union all
      select m.id, m.parent_id, w.depth + 1
        from w join ${messages} m on m.id = w.parent_id
       where w.depth < ${sql.placeholder('limit')}::int
    )
    select id as path_id, depth as path_depth from w`);
  // The walk's ids are joined back to the chat's messages only (the planner cannot know the walk is small; bounded
  // by chat_id it never scans other chats' rows).
  const path = db
    .with(walk)
    .select({ row: messages })
    .from(walk)
    .innerJoin(messages, and(eq(messages.id, walk.id), eq(messages.chatId, sql.placeholder('chatId'))))
    .orderBy(desc(walk.depth))
    .prepare('chat_path');
  // The siblings of the path's messages, as flat rows in their order (messages_parent_idx for children of a
  // parent, messages_chat_idx for the chat's roots), grouped in process: a correlated json_agg per message cost
  // a sort and an aggregate each, most of opening a chat on PGlite.
  // Two index reads in one statement (an OR of them would scan the whole table).
  const sibling = { id: messages.id, parentId: messages.parentId, createdAt: messages.createdAt };
  const children = db
    .select(sibling)
    .from(messages)
    .where(
      sql`${messages.parentId} in (select value::uuid from json_array_elements_text(${sql.placeholder('parents')}::json))`,
    );
  const roots = db
    .select(sibling)
    .from(messages)
    .where(
      and(
        eq(messages.chatId, sql.placeholder('chatId')),
        isNull(messages.parentId),
        sql`${sql.placeholder('roots')}::boolean`,
      ),
    );
  const siblings = children.unionAll(roots).orderBy(sql`created_at`, sql`id`).prepare('path_siblings');

  // The newest message under `messageId` (itself when it has none): where a branch switch lands.
  const under = db.$with('under', { id: sql<string>`leaf_id`.as('leaf_id') }).as(sql`
    with recursive d(id, created_at) as (
      select id, created_at from ${messages}
       where id = ${sql.placeholder('messageId')} and chat_id = ${sql.placeholder('chatId')}
      union all
      select c.id, c.created_at from d join ${messages} c on c.parent_id = d.id
    )
    select id as leaf_id from d order by created_at desc, id desc limit 1`);
  const leafUnder = db.with(under).select({ id: under.id }).from(under).prepare('leaf_under');
  // A message of the user's with the one it follows (a regenerated answer's prompt), in one read.
  const parent = alias(messages, 'parent');
  const withParent = db
    .select({ row: messages, parent })
    .from(messages)
    .leftJoin(parent, eq(parent.id, messages.parentId))
    .where(and(eq(messages.id, sql.placeholder('id')), eq(messages.userId, sql.placeholder('userId'))))
    .prepare('message_with_parent');
  return { path, siblings, leafUnder, withParent };
}

const prepared = perDb(prepare);

/**
 * The path root → `from` of the user's chat, oldest first: `from` is 'leaf' (the chat's current leaf) or a
 * message id of that chat (inclusive). With `limit`, only the newest `limit` messages of it, and `hasMore`
 * says whether older ones remain. An empty chat, another user's chat or a message not in the chat: no rows.
 */
export async function pathTo(
  db: Db,
  userId: string,
  chatId: string,
  opts: { from?: 'leaf' | string; limit?: number } = {},
): Promise<{ messages: PathMessage[]; hasMore: boolean }> {
  const from = opts.from ?? 'leaf';
  const limit = opts.limit ?? WHOLE_PATH;
  const rows = await prepared(db).path.execute({
    chatId,
    userId,
    fromLeaf: from === 'leaf',
    startId: from === 'leaf' ? null : from,
    limit,
  });
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(1) : rows;
  if (kept.length === 0) return { messages: [], hasMore };
  const parents = [...new Set(kept.flatMap((r) => (r.row.parentId ? [r.row.parentId] : [])))];
  const roots = kept.some((r) => r.row.parentId === null);
  const byParent = new Map<string | null, string[]>();
  for (const s of await prepared(db).siblings.execute({ parents: JSON.stringify(parents), chatId, roots })) {
    const group = byParent.get(s.parentId);
    if (group) group.push(s.id);
    else byParent.set(s.parentId, [s.id]);
  }
  return {
    messages: kept.map((r) => ({ row: r.row, siblingIds: byParent.get(r.row.parentId) ?? [r.row.id] })),
    hasMore,
  };
}

/** The chat's current path root → leaf, whole (share snapshots, export of what is shown, /sessions). */
export async function currentPath(db: Db, userId: string, chatId: string): Promise<PathMessage[]> {
  return (await pathTo(db, userId, chatId)).messages;
}

/** The newest message under `messageId` in the chat (itself when it has no children); undefined if absent. */
export async function newestDescendant(
  db: Db,
  chatId: string,
  messageId: string,
): Promise<string | undefined> {
  const rows = await prepared(db).leafUnder.execute({ chatId, messageId });
  return rows[0]?.id;
}

/** The user's message and the message it follows (null for a first message); undefined when not theirs. */
export async function findWithParent(
  db: Db,
  userId: string,
  messageId: string,
): Promise<{ row: MessageRow; parent: MessageRow | null } | undefined> {
  return (await prepared(db).withParent.execute({ id: messageId, userId }))[0];
}

/** Makes `leafId` the chat's current leaf; false when the chat is not the user's. */
export async function setLeaf(db: Db, userId: string, chatId: string, leafId: string): Promise<boolean> {
  const rows = await db
    .update(chats)
    // Switching branches is not activity: the chat keeps its place in the list.
    .set({ currentLeafId: leafId, updatedAt: sql`${chats.updatedAt}` })
    .where(and(eq(chats.id, chatId), eq(chats.userId, userId)))
    .returning({ id: chats.id });
  return rows.length === 1;
}
