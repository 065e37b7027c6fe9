import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { chats, messages } from '../../db/schema/index.js';

/**
 * A data-modifying CTE that renews the row version (xmin) of the chats of the messages `where` selects, for the
 * statements that write a streaming answer (its partial and final saves, the sweeper's interruptions): migration
 * 0017's trigger leaves those to the statement itself, whose one extra row write costs far less than a trigger call
 * (read-cache.ts trusts a chat's xmin to change with any of its messages). The CTE reads the messages as the
 * statement found them and, not read by the main query, runs after it: the messages are locked before the chat,
 * the order every message write takes (chats.repository deleteChat).
 */
export const touchChatsOf = (db: Db, where: SQL) =>
  db.$with('touch_chats').as(
    db
      .update(chats)
      .set({ messageCount: sql`${chats.messageCount}` })
      .where(sql`${chats.id} in (select ${messages.chatId} from ${messages} where ${where})`)
      .returning({ id: chats.id }),
  );
