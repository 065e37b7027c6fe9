/** Regenerate, edit and switch branch in the chat `useChat` shows; the chat is read again once each is done. */
import { useCallback } from 'react';
import { editStream, regenerateStream, setLeaf } from '../api/branches';
import type { ModelChoice, ShownMessage } from '../api/types';
import { localUserMessage } from './stream-state';
import type { StartStream } from './useChat';

/** The model fields of a request for `choice` (none: the server picks, e.g. the answer's own model). */
export function choiceFields(choice: ModelChoice | null) {
  if (!choice) return {};
  if (choice.kind === 'config') return { model_config_id: choice.model_config_id };
  if (choice.kind === 'provider') return { provider: choice.provider, model: choice.model };
  return { local_model_id: choice.local_model_id, model: choice.model };
}

interface ChatHandle {
  chatId: string;
  run: (
    stream: StartStream,
    shown: (ms: ShownMessage[]) => ShownMessage[],
    onDone?: () => void,
  ) => Promise<void>;
  reload: () => Promise<void>;
}

export function useBranches(chat: ChatHandle) {
  const { run, reload, chatId } = chat;
  const done = useCallback(() => void reload(), [reload]);

  /** A new answer in place of answer `id`: the chat shows the path up to its prompt while it is written. */
  const regenerate = useCallback(
    (id: string, choice: ModelChoice | null) =>
      run(
        (_chat, onEvent, signal) => regenerateStream(id, choiceFields(choice), onEvent, signal),
        (ms) => {
          const i = ms.findIndex((m) => m.id === id);
          return i === -1 ? ms : ms.slice(0, i);
        },
        done,
      ),
    [run, done],
  );

  /** A new version of user message `id` and its answer; what followed it is shown again on switching back. */
  const edit = useCallback(
    (id: string, content: string, choice: ModelChoice | null) =>
      run(
        (_chat, onEvent, signal) => editStream(id, { content, ...choiceFields(choice) }, onEvent, signal),
        (ms) => {
          const i = ms.findIndex((m) => m.id === id);
          return [...(i === -1 ? ms : ms.slice(0, i)), localUserMessage(chatId, content)];
        },
        done,
      ),
    [run, done, chatId],
  );

  const switchTo = useCallback(
    async (messageId: string) => {
      await setLeaf(chatId, messageId);
      await reload();
    },
    [chatId, reload],
  );

  return { regenerate, edit, switchTo };
}
