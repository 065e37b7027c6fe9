/**
 * How one stream event changes the list of messages shown. Pure, so it is tested on its own. Offsets make
 * it idempotent: a delta whose offset says it was already applied (a resume that overlaps) replaces the
 * overlapping tail instead of doubling it.
 */

import type { StreamEvent } from '../api/stream';
import type { Message, ShownMessage } from '../api/types';

export const LOCAL_PREFIX = 'local-';

export function localUserMessage(
  chatId: string,
  content: string,
  attachments: Message['attachments'] = [],
): Message {
  const now = new Date().toISOString();
  return {
    id: `${LOCAL_PREFIX}${now}-${Math.random().toString(36).slice(2)}`,
    chat_id: chatId,
    parent_id: null,
    role: 'user',
    content,
    status: 'completed',
    metadata: {},
    rating: null,
    pinned: false,
    attachments,
    created_at: now,
    updated_at: now,
  };
}

function replace(messages: ShownMessage[], msg: Message): ShownMessage[] {
  const i = messages.findIndex((m) => m.id === msg.id);
  if (i === -1) return [...messages, msg];
  const next = messages.slice();
  // What the server said of its place in the tree (siblings) stays until the chat is read again.
  next[i] = { ...next[i], ...msg };
  return next;
}

/** `streamingId` is the assistant message the deltas belong to. */
export function applyEvent(
  messages: ShownMessage[],
  event: StreamEvent,
  streamingId: string | null,
): ShownMessage[] {
  switch (event.type) {
    case 'message.created': {
      let next = messages;
      if (event.user_message) {
        const user = event.user_message;
        const local = next.findIndex((m) => m.id.startsWith(LOCAL_PREFIX) && m.role === 'user');
        next = local === -1 ? replace(next, user) : next.map((m, i) => (i === local ? user : m));
      }
      return replace(next, event.assistant_message);
    }
    case 'delta': {
      if (!streamingId) return messages;
      return messages.map((m) => {
        if (m.id !== streamingId) return m;
        const start = event.offset >= 0 ? event.offset - event.content.length : m.content.length;
        const content =
          start >= 0 && start <= m.content.length
            ? m.content.slice(0, start) + event.content
            : m.content + event.content;
        return { ...m, content };
      });
    }
    case 'message.completed':
      return replace(messages, event.message);
    case 'error': {
      if (event.assistant) return replace(messages, event.assistant);
      if (!streamingId) return messages;
      return messages.map((m) =>
        m.id === streamingId
          ? {
              ...m,
              status: 'failed',
              metadata: { ...m.metadata, error: { code: event.code, message: event.message } },
            }
          : m,
      );
    }
  }
}
