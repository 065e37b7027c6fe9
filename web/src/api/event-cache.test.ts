import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { localUserMessage } from '../chat/stream-state';
import { applyUserEvent } from './event-cache';
import { keys } from './keys';
import type { ChatWithMessages, Message } from './types';

const CHAT = '00000000-0000-4000-8000-000000000001';
const now = new Date(0).toISOString();
const msg = (id: string, role: Message['role'], status: Message['status'], content = ''): Message => ({
  id,
  chat_id: CHAT,
  parent_id: null,
  role,
  content,
  status,
  metadata: {},
  rating: null,
  pinned: false,
  attachments: [],
  created_at: now,
  updated_at: now,
});
const chat = (messages: Message[]): ChatWithMessages => ({
  id: CHAT,
  title: 'Plans',
  model_config_id: null,
  system_prompt: null,
  current_leaf_id: messages.at(-1)?.id ?? null,
  message_count: messages.length,
  created_at: now,
  updated_at: now,
  messages,
  has_more: false,
});
const U = '00000000-0000-4000-8000-0000000000a1';
const A = '00000000-0000-4000-8000-0000000000a2';
const created = {
  event: 'message.created' as const,
  data: {
    chat_id: CHAT,
    parent_id: U,
    user_message: msg(U, 'user', 'completed', 'hi'),
    assistant_message: msg(A, 'assistant', 'streaming'),
  },
};

describe('applyUserEvent', () => {
  it('adds a turn sent elsewhere to the chat on screen, its answer streaming (the window then follows it)', () => {
    const qc = new QueryClient();
    qc.setQueryData(keys.chat(CHAT), chat([]));
    applyUserEvent(qc, created);
    const shown = qc.getQueryData<ChatWithMessages>(keys.chat(CHAT));
    expect(shown?.messages.map((m) => [m.id, m.status])).toEqual([
      [U, 'completed'],
      [A, 'streaming'],
    ]);
    applyUserEvent(qc, created);
    expect(qc.getQueryData<ChatWithMessages>(keys.chat(CHAT))?.messages).toHaveLength(2);
    const done = { ...msg(A, 'assistant', 'completed', 'hello'), rating: 'up' as const };
    applyUserEvent(qc, { event: 'message.completed', data: { chat_id: CHAT, parent_id: U, message: done } });
    expect(qc.getQueryData<ChatWithMessages>(keys.chat(CHAT))?.messages[1]).toEqual(done);
  });

  it("leaves this tab's own send alone: it streams the answer itself", () => {
    const qc = new QueryClient();
    const local = localUserMessage(CHAT, 'hi');
    qc.setQueryData(keys.chat(CHAT), chat([local]));
    applyUserEvent(qc, created);
    expect(qc.getQueryData<ChatWithMessages>(keys.chat(CHAT))?.messages).toEqual([local]);
  });

  it('renames a cached chat and forgets a deleted one', () => {
    const qc = new QueryClient();
    qc.setQueryData(keys.chat(CHAT), chat([]));
    const { messages: _m, has_more: _h, ...summary } = chat([]);
    applyUserEvent(qc, { event: 'chat.updated', data: { chat: { ...summary, title: 'Trip' } } });
    expect(qc.getQueryData<ChatWithMessages>(keys.chat(CHAT))?.title).toBe('Trip');
    applyUserEvent(qc, { event: 'chat.deleted', data: { chat_id: CHAT } });
    expect(qc.getQueryData(keys.chat(CHAT))).toBeUndefined();
  });
});
