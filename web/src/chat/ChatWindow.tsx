/** A chat: its messages (older ones on demand), the live answer, the composer and the pickers. */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { SendBody } from '../api/stream';
import type { ModelChoice } from '../api/types';
import { MenuButton } from '../ui/menu';
import { Button, ErrorNote, Spinner } from '../ui/ui';
import { ChatModelNote, ChatSettingsButton } from './ChatSettings';
import { Composer } from './Composer';
import { MessageBubble } from './MessageBubble';
import { MessageEditor } from './MessageEditor';
import { MessageTools } from './MessageTools';
import { loadChoice, ModelPicker, saveChoice, useChoicePending, useNoModels } from './ModelPicker';
import { SearchBar } from './SearchBar';
import { ShareButton } from './ShareDialog';
import { TemplatePicker } from './TemplatePicker';
import type { OutgoingAttachments } from './useAttachments';
import { useBranches } from './useBranches';
import { NEW_CHAT, useChat } from './useChat';

export function toSendBody(content: string, choice: ModelChoice | null): SendBody {
  if (!choice) return { content };
  if (choice.kind === 'config') return { content, model_config_id: choice.model_config_id };
  if (choice.kind === 'provider') return { content, provider: choice.provider, model: choice.model };
  return { content, local_model_id: choice.local_model_id, model: choice.model };
}

export function ChatWindow({ chatId: routeId, draftKey }: { chatId: string | null; draftKey?: string }) {
  const navigate = useNavigate();
  // The draft's first send created the chat: show its address, keeping this window (same key) on screen.
  const onCreated = useCallback(
    (id: string) => navigate(`/chats/${id}`, { replace: true, state: { draft: draftKey ?? 'draft' } }),
    [navigate, draftKey],
  );
  const chat = useChat(routeId, onCreated);
  const { query, chatId, streamingId, send, stop, loadOlder, loadingOlder, patchMessage } = chat;
  const branches = useBranches(chat);
  const [editingId, setEditingId] = useState<string | null>(null);
  const isDraft = chatId === NEW_CHAT;
  const noModels = useNoModels();
  const [choice, setChoiceState] = useState<ModelChoice | null>(loadChoice);
  const [sendError, setSendError] = useState<unknown>(null);
  const [insert, setInsert] = useState<{ text: string; n: number } | null>(null);
  const [params, setParams] = useSearchParams();
  const jumpTo = params.get('m');
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  const choicePending = useChoicePending(choice);
  const setChoice = useCallback((c: ModelChoice | null) => {
    setChoiceState(c);
    saveChoice(c);
  }, []);

  // A chat with its own model configuration sends with it; otherwise with the picker's choice.
  const chatConfig = query.data?.model_config_id ?? null;
  const messages = query.data?.messages ?? [];
  const last = messages[messages.length - 1];

  // Auto-scroll while the user stays at the bottom; scrolling up stops it until they come back down.
  const onScroll = () => {
    const el = scroller.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run when the last message grows
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current && !jumpTo) el.scrollTop = el.scrollHeight;
  }, [messages.length, last?.content, jumpTo]);
  // Heights also change without new text (Markdown rendering in, the composer growing, a phone keyboard):
  // keep following the bottom through those too.
  useEffect(() => {
    const el = scroller.current;
    const inner = content.current;
    if (!el || !inner || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (stick.current && !jumpTo) el.scrollTop = el.scrollHeight;
    });
    ro.observe(inner);
    ro.observe(el);
    return () => ro.disconnect();
  }, [jumpTo]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when another chat opens
  useEffect(() => {
    stick.current = true;
    setSendError(null);
  }, [chatId]);

  // A search hit: scroll to it (loading older windows until it is there).
  useEffect(() => {
    if (!jumpTo || !query.data) return;
    const el = document.getElementById(`msg-${jumpTo}`);
    if (el) {
      stick.current = false;
      el.scrollIntoView({ block: 'center' });
      const t = setTimeout(() => setParams({}, { replace: true }), 2500);
      return () => clearTimeout(t);
    }
    if (query.data.has_more && !loadingOlder) void loadOlder();
  }, [jumpTo, query.data, loadingOlder, loadOlder, setParams]);

  const doSend = useCallback(
    async (content: string, attached?: OutgoingAttachments) => {
      setSendError(null);
      stick.current = true;
      try {
        const body = toSendBody(
          content,
          chatConfig ? { kind: 'config', model_config_id: chatConfig } : choice,
        );
        await send(attached ? { ...body, attachments: attached.ids } : body, attached?.shown);
      } catch (err) {
        setSendError(err);
        throw err;
      }
    },
    [send, choice, chatConfig],
  );

  /** Runs a branch action (edit, regenerate, switch), showing its refusal like a send's. */
  const branchAction = async (action: () => Promise<void>) => {
    setSendError(null);
    stick.current = true;
    try {
      await action();
    } catch (err) {
      setSendError(err);
    }
  };

  const retryOf = (i: number) => {
    const prev = messages.slice(0, i).findLast((x) => x.role === 'user');
    if (!prev || streamingId) return undefined;
    const again = prev.attachments.length
      ? { ids: prev.attachments.map((a) => a.id), shown: prev.attachments }
      : undefined;
    return () => void doSend(prev.content, again).catch(() => undefined);
  };

  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="flex items-center gap-2 border-b border-zinc-200 px-3 py-1.5 sm:py-2 dark:border-zinc-800">
        <MenuButton />
        <h1 className="min-w-0 flex-1 truncate font-medium">{query.data?.title || 'New chat'}</h1>
        {query.data && !isDraft && <ChatSettingsButton chat={query.data} />}
        <SearchBar chatId={isDraft ? undefined : chatId} />
        {!isDraft && chatId && <ShareButton chatId={chatId} />}
      </div>
      <div
        ref={scroller}
        onScroll={onScroll}
        className="min-h-0 flex-1 overflow-y-auto"
        aria-live="polite"
        aria-busy={Boolean(streamingId)}
      >
        <div ref={content} className="mx-auto flex max-w-3xl flex-col gap-3 px-3 py-4">
          {query.isPending && <Spinner label="Loading messages" />}
          {query.isError && <ErrorNote error={query.error} onRetry={() => void query.refetch()} />}
          {query.data?.has_more && (
            <Button
              variant="ghost"
              className="self-center"
              disabled={loadingOlder}
              onClick={() => void loadOlder()}
            >
              {loadingOlder ? 'Loading…' : 'Load older messages'}
            </Button>
          )}
          {query.data && messages.length === 0 && (
            <div className="py-16 text-center text-zinc-500">
              <p className="text-lg">What can I help with?</p>
              {noModels ? (
                <p className="text-sm">
                  First,{' '}
                  <Link to="/settings/providers" className="text-indigo-600 underline dark:text-indigo-400">
                    add a provider key in Settings → Providers
                  </Link>
                  .
                </p>
              ) : (
                <p className="text-sm">Type a message below. Enter sends, Shift+Enter adds a line.</p>
              )}
            </div>
          )}
          {messages.map((m, i) =>
            m.id === editingId ? (
              <MessageEditor
                key={m.id}
                initial={m.content}
                onCancel={() => setEditingId(null)}
                onSubmit={(text) => {
                  setEditingId(null);
                  void branchAction(() => branches.edit(m.id, text, choice));
                }}
              />
            ) : (
              <MessageBubble
                key={m.id}
                message={m}
                streaming={m.id === streamingId || (m.status === 'streaming' && m.role === 'assistant')}
                highlighted={m.id === jumpTo}
                onChange={patchMessage}
                onRetry={m.role === 'assistant' ? retryOf(i) : undefined}
                tools={
                  <MessageTools
                    message={m}
                    busy={Boolean(streamingId)}
                    choice={choice}
                    onSwitch={(id) => void branchAction(() => branches.switchTo(id))}
                    onEdit={() => setEditingId(m.id)}
                    onRegenerate={(c) => void branchAction(() => branches.regenerate(m.id, c))}
                  />
                }
              />
            ),
          )}
        </div>
      </div>
      <div className="border-t border-zinc-200 bg-white px-3 pt-2 pb-[max(0.5rem,env(safe-area-inset-bottom))] dark:border-zinc-800 dark:bg-zinc-950">
        <div className="mx-auto max-w-3xl space-y-2">
          {sendError !== null && <ErrorNote error={sendError} />}
          <div className="flex min-w-0 flex-wrap items-center gap-2">
            {chatConfig ? (
              <ChatModelNote configId={chatConfig} />
            ) : (
              <ModelPicker value={choice} onChange={setChoice} />
            )}
            <TemplatePicker onInsert={(text) => setInsert((p) => ({ text, n: (p?.n ?? 0) + 1 }))} />
          </div>
          <Composer
            chatId={chatId}
            streaming={Boolean(streamingId)}
            // Held (not refused) until the chat and the model choice are known.
            disabled={!query.data || (!chatConfig && choicePending)}
            onSend={doSend}
            onStop={() => void stop().catch((err: unknown) => setSendError(err))}
            insert={insert}
            onEditLast={() => {
              const lastUser = messages.findLast((m) => m.role === 'user' && !m.id.startsWith('local-'));
              if (lastUser && !streamingId) setEditingId(lastUser.id);
            }}
          />
        </div>
      </div>
    </div>
  );
}
