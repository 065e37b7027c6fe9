/** Chats and their messages: the paged list, one chat's window of messages, rename, settings, delete, search. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from './client';
import { keys, paged } from './keys';
import type { ChatList, ChatSummary, ChatWithMessages, GlobalSearchResult, SearchResults } from './types';

export const getChat = (id: string, limit: number, before?: string) =>
  api<ChatWithMessages>(`/chats/${id}?limit=${limit}${before ? `&before=${before}` : ''}`);

export const renameChat = (id: string, title: string) =>
  api<ChatWithMessages>(`/chats/${id}`, { method: 'PATCH', body: { title } });

/** The chat's own model configuration and system prompt (null clears either). */
export const updateChatSettings = (
  id: string,
  body: { model_config_id?: string | null; system_prompt?: string | null },
) => api<ChatSummary>(`/chats/${id}`, { method: 'PATCH', body });

export const deleteChat = (id: string) => api<void>(`/chats/${id}`, { method: 'DELETE' });

/** The chats, newest activity first, 50 a page. */
export function useChatList() {
  return useInfiniteQuery({
    queryKey: keys.chats(),
    queryFn: ({ pageParam }) => api<ChatList>(paged('/chats?limit=50', pageParam)),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

const searchAll = (q: string, limit: number | null) =>
  api<GlobalSearchResult>(`/search?q=${encodeURIComponent(q)}${limit ? `&limit=${limit}` : ''}`);

/** Search across every chat (each hit names its chat); runs once `q` is not empty. */
export function useGlobalSearch(q: string, limit: number | null = null) {
  return useQuery({
    queryKey: keys.search('all', q, limit),
    queryFn: () => searchAll(q, limit),
    enabled: q.length > 0,
  });
}

/** Search in one chat (`chatId`) or, without one, across every chat; runs once `q` is not empty. */
export function useSearch(q: string, chatId: string | null) {
  return useQuery({
    queryKey: keys.search(chatId ?? 'all', q, null),
    queryFn: (): Promise<SearchResults> =>
      chatId ? api<SearchResults>(`/chats/${chatId}/search?q=${encodeURIComponent(q)}`) : searchAll(q, null),
    enabled: q.length > 0,
  });
}
