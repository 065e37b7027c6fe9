/**
 * One chat's messages plus its live answer. `chatId` null is a draft ("New chat"): nothing exists on the
 * server until the first send, which creates the chat with its message in one request; the hook then adopts
 * the new id (`onCreated`) and keeps streaming into it, so the window the user typed in stays put. Stream events update the TanStack Query cache directly, so the
 * list, the session list and a reload all see one source of truth. A message found still `streaming` when
 * the chat loads (after a reload, or started on another device) is resumed from its current length.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { getChat } from '../api/chats';
import { keys } from '../api/keys';
import { cancelMessage } from '../api/messages';
import { resumeStream, type SendBody, type StreamEvent, sendMessageStream } from '../api/stream';
import type { ChatWithMessages, Message, ShownMessage } from '../api/types';
import { applyEvent, localUserMessage } from './stream-state';

const chatKey = keys.chat;
/** Opens one answer's stream for chat `chatId` (a send, a regeneration, an edit). */
export type StartStream = (
  chatId: string,
  onEvent: (e: StreamEvent) => void,
  signal: AbortSignal,
) => Promise<void>;
const PAGE = 100;
/** The path segment that sends to a new chat: POST /chats/new/messages. */
export const NEW_CHAT = 'new';

function emptyDraft(): ChatWithMessages {
  const now = new Date().toISOString();
  return {
    id: NEW_CHAT,
    title: null,
    model_config_id: null,
    system_prompt: null,
    message_count: 0,
    created_at: now,
    updated_at: now,
    current_leaf_id: null,
    messages: [],
    has_more: false,
  };
}

export function useChat(initialId: string | null, onCreated?: (chatId: string) => void) {
  const qc = useQueryClient();
  const [chatId, setChatId] = useState(initialId ?? NEW_CHAT);
  // The current id for callbacks made before the draft was adopted (the running send's events).
  const idRef = useRef(chatId);
  // A chat created here already holds what the server has; fetching it mid-answer would only race the stream.
  const adopted = useRef<string | null>(null);
  const isDraft = chatId === NEW_CHAT;
  const query = useQuery({
    queryKey: chatKey(chatId),
    queryFn: () => getChat(chatId, PAGE),
    enabled: !isDraft,
    ...(isDraft ? { initialData: emptyDraft } : {}),
    staleTime: adopted.current === chatId ? Number.POSITIVE_INFINITY : 0,
  });
  const [streamingId, setStreamingId] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const streamingRef = useRef<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);

  const update = useCallback(
    (fn: (messages: ShownMessage[]) => ShownMessage[]) =>
      qc.setQueryData<ChatWithMessages>(chatKey(idRef.current), (old) =>
        old ? { ...old, messages: fn(old.messages) } : old,
      ),
    [qc],
  );

  // The server names a chat with its first message. Only the title is taken: refetching the messages could
  // race an answer streaming in.
  const refreshTitle = useCallback(() => {
    const id = idRef.current;
    const chat = qc.getQueryData<ChatWithMessages>(chatKey(id));
    if (id === NEW_CHAT || !chat || chat.title) return;
    getChat(id, 1)
      .then((fresh) =>
        qc.setQueryData<ChatWithMessages>(chatKey(id), (old) => (old ? { ...old, title: fresh.title } : old)),
      )
      .catch(() => undefined);
  }, [qc]);

  /** The draft's first send made chat `id`: move what is shown under its key and follow it from now on. */
  const adopt = useCallback(
    (id: string) => {
      const draft = qc.getQueryData<ChatWithMessages>(chatKey(NEW_CHAT)) ?? emptyDraft();
      qc.setQueryData<ChatWithMessages>(chatKey(id), { ...draft, id });
      qc.removeQueries({ queryKey: chatKey(NEW_CHAT) });
      adopted.current = id;
      idRef.current = id;
      setChatId(id);
      onCreated?.(id);
      refreshTitle();
    },
    [qc, onCreated, refreshTitle],
  );

  const onEvent = useCallback(
    (e: StreamEvent) => {
      if (e.type === 'message.created') {
        const created = e.user_message?.chat_id ?? e.assistant_message.chat_id;
        if (idRef.current === NEW_CHAT && created) adopt(created);
        streamingRef.current = e.assistant_message.id;
        setStreamingId(e.assistant_message.id);
        // The first message names the chat: let the list show it at once.
        void qc.invalidateQueries({ queryKey: keys.chats() });
      }
      update((ms) => applyEvent(ms, e, streamingRef.current));
    },
    [update, qc, adopt],
  );

  const finish = useCallback(() => {
    streamingRef.current = null;
    abortRef.current = null;
    setStreamingId(null);
    void qc.invalidateQueries({ queryKey: keys.chats() });
    // The header shows the chat's title, given by the server with the first message.
    refreshTitle();
  }, [qc, refreshTitle]);

  /**
   * Starts a stream that adds messages (a send, a regeneration, an edit): `shown` is what the chat shows
   * meanwhile. Resolves once the server has stored the message; rejects, restoring what was shown, when the
   * API refuses it. `onDone` runs once the answer has ended.
   */
  const run = useCallback(
    (stream: StartStream, shown: (ms: ShownMessage[]) => ShownMessage[], onDone?: () => void) =>
      new Promise<void>((resolve, reject) => {
        const id = idRef.current;
        const before = qc.getQueryData<ChatWithMessages>(chatKey(id))?.messages;
        update(shown);
        const abort = new AbortController();
        abortRef.current = abort;
        let started = false;
        stream(
          id,
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
              if (before) update(() => before);
              reject(err);
            } else if (!abort.signal.aborted) {
              // The connection dropped mid-answer: the server keeps generating, so reload to resume it.
              void qc.invalidateQueries({ queryKey: chatKey(idRef.current) });
            }
          })
          .finally(() => {
            finish();
            onDone?.();
          });
      }),
    [update, onEvent, finish, qc],
  );

  /**
   * Sends and streams. Resolves as soon as the server has stored the message (the answer keeps streaming
   * into the cache); rejects, after removing the optimistic bubble, when the API refuses the message.
   */
  const send = useCallback(
    (body: SendBody, shown?: Message['attachments']) =>
      run(
        (id, onEv, signal) => sendMessageStream(id, body, onEv, signal),
        (ms) => [...ms, localUserMessage(idRef.current, body.content, shown)],
      ),
    [run],
  );

  const stop = useCallback(async () => {
    const id = streamingRef.current;
    if (!id) return;
    await cancelMessage(id);
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
      const page = await getChat(chatId, PAGE, oldest.id);
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

  /** Reads the chat again (its branches changed). */
  const reload = useCallback(() => qc.invalidateQueries({ queryKey: chatKey(idRef.current) }), [qc]);

  return { query, chatId, streamingId, send, run, reload, stop, loadOlder, loadingOlder, patchMessage };
}
