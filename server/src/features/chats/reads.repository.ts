import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { perDb } from '../../db/prepared.js';
import { chats, messages } from '../../db/schema/index.js';
import { encodeCursor } from '../../lib/cursor.js';
import { pathMessageJsonSql } from '../messages/message.mapper.js';
import { chatSummaryJsonArgs } from './chat.mapper.js';

// The two reads a client makes most, the chat list and opening a chat, each one prepared statement whose
// answer is the API's JSON text, built by the database (chatSummaryJsonArgs, pathMessageJsonSql: the mappers
// in SQL). Fetching the rows instead cost most of the request: on PGlite every field of every row is copied
// and decoded on its own, then mapped by Drizzle, mapped again to the API's shape and validated by zod on
// the way out; one text column costs one decode (bench/src/reads.bench.ts).

const ph = sql.placeholder;
// The chat list's order; its ORDER BY says NULLS LAST like chats_user_activity_idx (a plain DESC means NULLS
// FIRST, which the index cannot give, and the planner would sort every chat of the user).
const activity = sql`c.updated_at desc nulls last, c.id desc nulls last`;

/**
 * A list page's version: the ids and xmins of its rows and of the row after it. A chat's xmin is new with every
 * committed write of its row, so the same version means the same row versions, hence the same page (their order
 * is the one their (updated_at, id) give). The aggregate takes them in the scan's order, without sorting them
 * again: an order that differed would only make a version differ (a miss), never two pages look the same.
 */
const listVersionOf = (rows: SQL) =>
  sql<string>`(select coalesce(string_agg(c.id::text || ':' || c.xv, ','), '') from ${rows} c)`;

function prepare(db: Db) {
  const limit = sql`${ph('limit')}::int`;
  // One page of the list and the row after it (whether there is a next page). The keyset is a row comparison,
  // so the index scan starts right after the cursor (hence two statements: an OR of "no cursor" would make
  // the prepared plan scan from the newest chat).
  // The cursor (`last`) is updated_at to the microsecond: a JS Date keeps milliseconds, and a cursor rounded to them
  // would skip chats whose activity fell within the same millisecond.
  // The page's rows are read once (a CTE read four times is materialized), by the same plain ORDER BY … LIMIT
  // as a row read: a window function over it (row_number) cost more in PGlite than the JSON itself.
  const listPage = (after: SQL) => {
    const page = sql`(with page as (
        select c.*, c.xmin::text as xv from ${chats} c
         where c.user_id = ${ph('userId')} ${after}
         order by ${activity}
         limit ${limit} + 1),
      last as (
        select to_char(c.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at, c.id::text as id
          from page c order by ${activity} offset ${limit} - 1 limit 1)
      select (select coalesce(json_agg(json_build_object(${chatSummaryJsonArgs('c')}) order by ${activity}), '[]')
                from (select * from page c order by ${activity} limit ${limit}) c)::text as chats,
             (select count(*) from page) > ${limit} as more,
             (select at from last) as last_at,
             (select id from last) as last_id,
             ${listVersionOf(sql`page`)} as version) p`;
    return db
      .select({
        chats: sql<string>`p.chats`,
        more: sql<boolean>`p.more`,
        lastAt: sql<string | null>`p.last_at`,
        lastId: sql<string | null>`p.last_id`,
        version: sql<string>`p.version`,
      })
      .from(page);
  };
  const keyset = sql`and (c.updated_at, c.id) < (${ph('updatedAt')}::timestamptz, ${ph('id')}::uuid)`;
  const listFirst = listPage(sql``).prepare('list_chats_json');
  const listAfter = listPage(keyset).prepare('list_chats_after_json');
  // The version of a page alone (read-cache.ts): the same rows, their ids and xmins only, from the index and the
  // rows' headers. Equal to the page's `version` exactly when the page would be the same.
  const listCheck = (after: SQL) =>
    db
      .select({
        version: listVersionOf(sql`(select c.id, c.updated_at, c.xmin::text as xv from ${chats} c
         where c.user_id = ${ph('userId')} ${after} order by ${activity} limit ${limit} + 1)`),
      })
      .from(sql`(select 1) one`);
  const listFirstCheck = listCheck(sql``).prepare('list_chats_version');
  const listAfterCheck = listCheck(keyset).prepare('list_chats_after_version');

  // The path walk of tree.repository's pathTo (up through parent_id from the chat's leaf or from `startId`,
  // `limit` + 1 steps at most), its messages oldest first with their siblings: the children of the same
  // parent (messages_parent_idx) or, for a first message, the chat's roots (messages_chat_idx).
  // The walk carries the columns of the answer: each step already reads its message by primary key, and joining
  // messages again afterwards was planned as a hash join over a scan of all the chat's messages (the planner
  // guesses 31 rows for the walk), 0.6 ms of 3 on PGlite for a chat of 1,000 (bench/src/explain-reads.ts).
  const cols = sql.raw(
    'm.id, m.chat_id, m.parent_id, m.role, m.content, m.status, m.metadata, m.rating, m.pinned, m.attachments, m.created_at, m.updated_at, m.xmin::text as xv',
  );
  const page = sql`(with recursive w as (
      select ${cols}, 0 as depth
        from ${messages} m
       where m.id = case when ${ph('fromLeaf')}::boolean then c.current_leaf_id else ${ph('startId')}::uuid end
         and m.chat_id = c.id
      union all
      select ${cols}, w.depth + 1 from w join ${messages} m on m.id = w.parent_id
       where w.depth < ${limit}
    )
    select coalesce(json_agg(${pathMessageJsonSql('m', sql`s.ids`)} order by m.depth desc)
             filter (where m.depth < ${limit}), '[]') as messages,
           count(*) > ${limit} as more,
           string_agg(m.id::text || ':' || m.xv, ',' order by m.id)
             filter (where m.depth < ${limit} and m.status = 'streaming') as streaming
      from w m
      cross join lateral (select coalesce(
        (select array_agg(x.id order by x.created_at, x.id) from ${messages} x where x.parent_id = m.parent_id),
        (select array_agg(x.id order by x.created_at, x.id) from ${messages} x
          where m.parent_id is null and x.chat_id = m.chat_id and x.parent_id is null),
        array[m.id]) as ids) s
     where m.chat_id = c.id)`;
  const open = db
    .select({
      chat: sql<string>`json_build_object(${chatSummaryJsonArgs('c')}, 'current_leaf_id', c.current_leaf_id,
        'messages', p.messages, 'has_more', p.more)::text`,
      version: sql<string>`c.xmin::text || coalesce(';' || p.streaming, '')`,
    })
    .from(sql`${chats} c cross join lateral ${page} p`)
    .where(sql`c.id = ${ph('chatId')} and c.user_id = ${ph('userId')}`)
    .prepare('open_chat_json');
  // An opened chat's version: the chat row's xmin, which every write of the chat renews, and so does every write
  // of a message that is not streaming (migration 0017's triggers), and the xmins of the page's streaming answers,
  // whose saves (every 250 ms while they run, and their last word) leave the chat's row alone: writing it too
  // doubled the cost of a group of partial saves on PGlite. A streaming answer the page does not show (another
  // branch) changes nothing it shows; a new one is an insert, which updates the chat.
  // The check reads the same from the chat and the streaming answers the cached page showed (`streamingIds`).
  // Most pages show no streaming answer: their check is the chat's xmin alone (an empty array to look up cost
  // as much as the rest of the check on PGlite).
  const openCheck = db
    .select({ version: sql<string>`c.xmin::text` })
    .from(sql`${chats} c`)
    .where(sql`c.id = ${ph('chatId')} and c.user_id = ${ph('userId')}`)
    .prepare('open_chat_version');
  const openCheckStreaming = db
    .select({
      version: sql<string>`c.xmin::text || coalesce(';' || (
        select string_agg(m.id::text || ':' || m.xmin::text, ',' order by m.id) from ${messages} m
         where m.id = any(${ph('streamingIds')}::uuid[]) and m.chat_id = c.id), '')`,
    })
    .from(sql`${chats} c`)
    .where(sql`c.id = ${ph('chatId')} and c.user_id = ${ph('userId')}`)
    .prepare('open_chat_version_streaming');
  return { listFirst, listAfter, listFirstCheck, listAfterCheck, open, openCheck, openCheckStreaming };
}

const prepared = perDb(prepare);

/** A read's JSON text and its version: a value that changes whenever the text may (read-cache.ts). */
export interface Versioned {
  json: string;
  version: string;
}

/** Runs a list statement's first-page form, or its form after the keyset cursor `after`, for one page. */
const onPage = <R>(
  first: { execute(values: Record<string, unknown>): Promise<R> },
  next: { execute(values: Record<string, unknown>): Promise<R> },
  userId: string,
  limit: number,
  after?: { updatedAt: string; id: string },
): Promise<R> =>
  after
    ? next.execute({ userId, limit, updatedAt: after.updatedAt, id: after.id })
    : first.execute({ userId, limit });

/**
 * A page of the user's chats, newest activity first, as the JSON of contracts' `chatList` (keyset on
 * (updated_at, id), so deep pages cost the same as the first).
 */
export async function chatListJson(
  db: Db,
  userId: string,
  limit: number,
  after?: { updatedAt: string; id: string },
): Promise<Versioned> {
  const s = prepared(db);
  const [row] = await onPage(s.listFirst, s.listAfter, userId, limit, after);
  if (!row) throw new Error('chat list returned no row');
  const next =
    row.more && row.lastAt && row.lastId ? JSON.stringify(encodeCursor([row.lastAt, row.lastId])) : 'null';
  return { json: `{"chats":${row.chats},"next_cursor":${next}}`, version: row.version };
}

/** The version chatListJson would give now, read alone. */
export async function chatListVersion(
  db: Db,
  userId: string,
  limit: number,
  after?: { updatedAt: string; id: string },
): Promise<string> {
  const s = prepared(db);
  const [row] = await onPage(s.listFirstCheck, s.listAfterCheck, userId, limit, after);
  return row?.version ?? '';
}

/**
 * The user's chat with the newest `limit` messages of the path root → `from` ('leaf': its current leaf; a
 * message id of the chat; null: none), oldest first, as the JSON of contracts' `chatWithMessages`;
 * undefined when the chat is not the user's.
 */
export async function chatPageJson(
  db: Db,
  userId: string,
  chatId: string,
  opts: { from: 'leaf' | string | null; limit: number },
): Promise<Versioned | undefined> {
  const [row] = await prepared(db).open.execute({
    chatId,
    userId,
    fromLeaf: opts.from === 'leaf',
    startId: opts.from === 'leaf' ? null : opts.from,
    limit: opts.limit,
  });
  return row && { json: row.chat, version: row.version };
}

/**
 * The version chatPageJson would give now, for a page read at version `was` (whose streaming answers it reads
 * again); undefined when the chat is not the user's.
 */
export async function chatPageVersion(
  db: Db,
  userId: string,
  chatId: string,
  was: string,
): Promise<string | undefined> {
  const streaming = was.split(';')[1];
  const s = prepared(db);
  const [row] = await (streaming
    ? s.openCheckStreaming.execute({
        chatId,
        userId,
        streamingIds: `{${streaming
          .split(',')
          .map((e) => e.split(':')[0])
          .join(',')}}`,
      })
    : s.openCheck.execute({ chatId, userId }));
  return row?.version;
}
