/**
 * One chat's messages plus its live answer. Stream events update the TanStack Query cache directly, so the
 * list, the session list and a reload all see one source of truth. A message found still `streaming` when
 * the chat loads (after a reload, or started on another device) is resumed from its current length.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { resumeStream, type SendBody, type StreamEvent, sendMessageStream } from '../api/stream';
import type { ChatWithMessages, Message } from '../api/types';
import { applyEvent, localUserMessage } from './stream-state';

export const chatKey = (id: string) => ['chat', id] as const;
const PAGE = 100;

export function useChat(chatId: string) {
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: chatKey(chatId),
    queryFn: () => api<ChatWithMessages>(`/chats/${chatId}?limit=${PAGE}`),
  });
  const [streamingId, setStreamingId] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const streamingRef = useRef<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);

  const update = useCallback(
    (fn: (messages: Message[]) => Message[]) =>
      qc.setQueryData<ChatWithMessages>(chatKey(chatId), (old) =>
        old ? { ...old, messages: fn(old.messages) } : old,
      ),
    [qc, chatId],
  );

  const onEvent = useCallback(
    (e: StreamEvent) => {
      if (e.type === 'message.created') {
        streamingRef.current = e.assistant_message.id;
        setStreamingId(e.assistant_message.id);
        // The first message names the chat: let the list show it at once.
        void qc.invalidateQueries({ queryKey: ['chats'] });
      }
      update((ms) => applyEvent(ms, e, streamingRef.current));
    },
    [update, qc],
  );

  const finish = useCallback(() => {
    streamingRef.current = null;
    abortRef.current = null;
    setStreamingId(null);
    void qc.invalidateQueries({ queryKey: ['chats'] });
    // The header shows the chat's title, given by the server with the first message.
    const chat = qc.getQueryData<ChatWithMessages>(chatKey(chatId));
    if (chat && !chat.title) void qc.invalidateQueries({ queryKey: chatKey(chatId) });
  }, [qc, chatId]);

  /**
   * Sends and streams. Resolves as soon as the server has stored the message (the answer keeps streaming
   * into the cache); rejects, after removing the optimistic bubble, when the API refuses the message.
   */
  const send = useCallback(
    (body: SendBody) =>
      new Promise<void>((resolve, reject) => {
        const local = localUserMessage(chatId, body.content);
        update((ms) => [...ms, local]);
        const abort = new AbortController();
        abortRef.current = abort;
        let started = false;
        sendMessageStream(
          chatId,
          body,
          (e) => {
            if (!started) {
              started = true;
              resolve();
            }
            onEvent(e);
          },
          abort.signal,
        )
          .then(() => resolve())
          .catch((err: unknown) => {
            if (!started) {
              update((ms) => ms.filter((m) => m.id !== local.id));
              reject(err);
            } else if (!abort.signal.aborted) {
              // The connection dropped mid-answer: the server keeps generating, so reload to resume it.
              void qc.invalidateQueries({ queryKey: chatKey(chatId) });
            }
          })
          .finally(finish);
      }),
    [chatId, update, onEvent, finish, qc],
  );

  const stop = useCallback(async () => {
    const id = streamingRef.current;
    if (!id) return;
    await api(`/messages/${id}/cancel`, { method: 'POST' });
  }, []);

  // Resume an answer that is still being generated on the server.
  const pending = query.data?.messages.findLast((m) => m.role === 'assistant' && m.status === 'streaming');
  const pendingId = pending?.id;
  const pendingOffset = pending?.content.length ?? 0;
  // biome-ignore lint/correctness/useExhaustiveDependencies: resume once per message id, from its length then
  useEffect(() => {
    if (!pendingId || streamingRef.current) return;
    const abort = new AbortController();
    abortRef.current = abort;
    streamingRef.current = pendingId;
    setStreamingId(pendingId);
    resumeStream(pendingId, pendingOffset, onEvent, abort.signal)
      .catch(() => {
        if (!abort.signal.aborted) void qc.invalidateQueries({ queryKey: chatKey(chatId) });
      })
      .finally(() => {
        if (!abort.signal.aborted) finish();
      });
    return () => {
      abort.abort();
      streamingRef.current = null;
      setStreamingId(null);
    };
  }, [pendingId]);

  // Leaving the chat stops reading (the server keeps generating; coming back resumes).
  useEffect(() => () => abortRef.current?.abort(), []);

  const loadOlder = useCallback(async () => {
    const current = qc.getQueryData<ChatWithMessages>(chatKey(chatId));
    const oldest = current?.messages[0];
    if (!current || !oldest) return;
    setLoadingOlder(true);
    try {
      const page = await api<ChatWithMessages>(`/chats/${chatId}?limit=${PAGE}&before=${oldest.id}`);
      qc.setQueryData<ChatWithMessages>(chatKey(chatId), (old) =>
        old ? { ...old, has_more: page.has_more, messages: [...page.messages, ...old.messages] } : old,
      );
    } finally {
      setLoadingOlder(false);
    }
  }, [qc, chatId]);

  const patchMessage = useCallback(
    (id: string, patch: Partial<Message>) =>
      update((ms) => ms.map((m) => (m.id === id ? { ...m, ...patch } : m))),
    [update],
  );

  return { query, streamingId, send, stop, loadOlder, loadingOlder, patchMessage };
}
