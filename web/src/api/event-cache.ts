/**
 * What one event of GET /v1/events changes in the portal's TanStack Query caches. Another tab or device made
 * the change; this tab shows it without reloading. A chat on screen gets new turns added (its window then
 * resumes a `streaming` answer itself, live) and finished or re-rated messages replaced; lists are refetched.
 */
import type { QueryClient } from '@tanstack/react-query';
import type { UserEvent } from '../../../contracts/src/events.js';
import { LOCAL_PREFIX } from '../chat/stream-state';
import { keys } from './keys';
import type { ChatWithMessages, Message } from './types';

function replaceIn(qc: QueryClient, message: Message) {
  qc.setQueryData<ChatWithMessages>(keys.chat(message.chat_id), (old) =>
    old?.messages.some((m) => m.id === message.id)
      ? { ...old, messages: old.messages.map((m) => (m.id === message.id ? message : m)) }
      : old,
  );
}

/** A turn stored elsewhere: added to the chat if it is cached here and this tab is not the one sending. */
function addTurn(qc: QueryClient, chatId: string, user: Message | null, assistant: Message) {
  qc.setQueryData<ChatWithMessages>(keys.chat(chatId), (old) => {
    if (!old) return old;
    // This tab's own send (its message still the local placeholder, or already stored) streams by itself.
    if (old.messages.some((m) => m.id === assistant.id || m.id.startsWith(LOCAL_PREFIX))) return old;
    const fresh = [user, assistant].filter(
      (m): m is Message => m !== null && !old.messages.some((x) => x.id === m.id),
    );
    return { ...old, message_count: old.message_count + fresh.length, messages: [...old.messages, ...fresh] };
  });
}

export function applyUserEvent(qc: QueryClient, e: UserEvent): void {
  const invalidate = (queryKey: readonly unknown[]) => void qc.invalidateQueries({ queryKey });
  switch (e.event) {
    case 'chat.created':
      invalidate(keys.chats());
      return;
    case 'chat.updated': {
      const { chat } = e.data;
      qc.setQueryData<ChatWithMessages>(keys.chat(chat.id), (old) =>
        old ? { ...old, title: chat.title, model_config_id: chat.model_config_id } : old,
      );
      invalidate(keys.chats());
      return;
    }
    case 'chat.deleted':
      qc.removeQueries({ queryKey: keys.chat(e.data.chat_id), exact: true });
      invalidate(keys.chats());
      invalidate(keys.pinned());
      return;
    case 'message.created':
      addTurn(qc, e.data.chat_id, e.data.user_message, e.data.assistant_message);
      // The first message names the chat, and every turn moves it to the top.
      invalidate(keys.chats());
      return;
    case 'message.updated':
      replaceIn(qc, e.data.message);
      invalidate(keys.pinned());
      return;
    case 'message.completed':
    case 'message.failed':
      replaceIn(qc, e.data.message);
      invalidate(keys.chats());
      return;
    case 'job.updated':
      invalidate(keys.job(e.data.job_id));
      invalidate(keys.imageJobs());
      return;
    case 'local_model.health':
      invalidate(keys.localModels());
      invalidate(keys.models());
      return;
    case 'provider.updated':
      invalidate(keys.providers());
      invalidate(keys.models());
      return;
    case 'file.created':
    case 'file.deleted':
      invalidate(keys.imageJobs());
      return;
    case 'resync':
      // Events were missed: everything shown may be out of date.
      void qc.invalidateQueries();
      return;
  }
}
