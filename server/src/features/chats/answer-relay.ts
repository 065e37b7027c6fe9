import type { Message } from '@pocketllm/contracts';
import type { Db } from '../../db/client.js';
import type { MessageRow } from '../../db/schema/index.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { UserEventLog } from '../../lib/user-events.js';
import { toMessage } from '../messages/message.mapper.js';
import * as repo from './chats.repository.js';
import type { Generation } from './generation.js';
import { type AnswerStream, sendFinal } from './message-stream.js';

/**
 * A running answer as other instances hear it: each delta goes on the bus (Redis pub/sub with several
 * instances) as it is produced, and its end once the row is stored. The row stays the source of truth: a
 * follower replays from it and uses the bus only for what comes after. The user's event stream hears the end.
 */
const channelOf = (messageId: string) => `answer.${messageId}`;

export function relayAnswer(
  bus: EventBus,
  userEvents: UserEventLog | undefined,
  gen: Generation,
  row: MessageRow,
) {
  const channel = channelOf(gen.messageId);
  // Deltas parsed from one read of the provider's stream go out as one message (no added wait).
  let pending = '';
  let offset = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending) return;
    bus.publish(channel, { o: offset, c: pending });
    pending = '';
  };
  gen.subscribe((e) => {
    if (e.type === 'delta') {
      pending += e.content;
      offset = e.offset;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return;
    }
    flush();
    bus.publish(channel, { end: true });
    const branch = { chat_id: gen.chatId, parent_id: row.parentId };
    userEvents?.publish(
      gen.userId,
      e.type === 'failed'
        ? { event: 'message.failed', data: { ...branch, message: e.message, error: e.error } }
        : { event: 'message.completed', data: { ...branch, message: e.message } },
    );
  });
}

/** A stored turn, told to the user's event stream: its answer is `streaming`, or complete from the cache. */
export function announceTurn(
  userEvents: UserEventLog | undefined,
  turn: { userMessage: Message | null; assistantRow: MessageRow },
) {
  const row = turn.assistantRow;
  userEvents?.publish(row.userId, {
    event: 'message.created',
    data: {
      chat_id: row.chatId,
      parent_id: row.parentId,
      user_message: turn.userMessage,
      assistant_message: toMessage(row),
    },
  });
}

/** With the bus up, the row is read this often anyway (a lost end, or a writer that died silently). */
const SAFETY_MS = 2000;
/** Without it (or to fill a gap in what it carried), the row is read this often. */
const POLL_MS = 300;

/**
 * Follows an answer this instance is not writing (another instance is, or it already ended): replays the
 * stored text from `fromOffset`, then sends the writer's deltas as they come through the bus until it
 * ends. An answer that has not moved for `staleAfterMs` is reported as interrupted rather than waited on.
 */
export async function followAnswer(
  sse: AnswerStream,
  deps: { db: Db; bus: EventBus },
  row: MessageRow,
  fromOffset: number,
  staleAfterMs: number,
): Promise<void> {
  const live: { o: number; c: string }[] = [];
  let ended = false;
  let wake = () => {};
  const off =
    row.status === 'streaming'
      ? deps.bus.subscribe(channelOf(row.id), (msg) => {
          if (msg.end === true) ended = true;
          else if (typeof msg.o === 'number' && typeof msg.c === 'string') live.push({ o: msg.o, c: msg.c });
          wake();
        })
      : () => {};
  sse.onClose(() => wake());
  let sent = fromOffset;
  const send = (text: string, offset: number) => {
    if (text) sse.send({ event: 'delta', data: { content: text } }, offset);
    sent = Math.max(sent, offset);
  };
  try {
    // Read after subscribing: whatever the row lacks arrives on the bus.
    let current =
      row.status === 'streaming' ? ((await repo.findMessage(deps.db, row.userId, row.id)) ?? row) : row;
    let lastChange = Date.now();
    let endReads = 0;
    while (!sse.closed) {
      if (current.content.length > sent) {
        send(current.content.slice(sent), current.content.length);
        lastChange = Date.now();
      }
      if (current.status !== 'streaming') {
        sendFinal(sse, toMessage(current));
        break;
      }
      let gap = false;
      while (live.length) {
        const d = live[0] as { o: number; c: string };
        const start = d.o - d.c.length;
        // A piece the bus lost (or one not yet replayed): the row fills it once it is saved.
        if (start > sent) {
          gap = true;
          break;
        }
        live.shift();
        send(start >= sent ? d.c : d.c.slice(sent - start), d.o);
        lastChange = Date.now();
      }
      if (Date.now() - lastChange > staleAfterMs) {
        const error = { code: 'interrupted', message: 'This answer stopped making progress' };
        sse.send({ event: 'error', data: { error, message: toMessage(current) } }, sent);
        break;
      }
      // After the end was heard the row is read at once (it was stored first), then polled if it lags.
      const waitMs = ended
        ? endReads++ > 0
          ? POLL_MS
          : 0
        : gap || !deps.bus.status().subscribed
          ? POLL_MS
          : SAFETY_MS;
      if (waitMs > 0) {
        const woke = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), waitMs);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        wake = () => {};
        if (woke && !gap && !ended) continue;
      }
      const next = await repo.findMessage(deps.db, row.userId, row.id);
      if (!next) break;
      if (next.updatedAt.getTime() !== current.updatedAt.getTime()) lastChange = Date.now();
      current = next;
    }
  } finally {
    off();
    sse.end();
  }
}
