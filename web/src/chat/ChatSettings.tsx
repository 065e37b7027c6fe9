/**
 * The chat's own settings, from its header: the model configuration every message of the chat uses (else the
 * composer's choice per message) and a system prompt that the model gets over the configuration's.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { updateChatSettings } from '../api/chats';
import { keys } from '../api/keys';
import { useModelConfigs } from '../api/model-configs';
import type { ChatWithMessages } from '../api/types';
import { Icon } from '../ui/icons';
import { Button, Dialog, ErrorNote, Field, inputClass } from '../ui/ui';

export function ChatSettingsButton({ chat }: { chat: ChatWithMessages }) {
  const [open, setOpen] = useState(false);
  const custom = Boolean(chat.system_prompt || chat.model_config_id);
  return (
    <>
      <button
        type="button"
        aria-label="Chat settings"
        title={custom ? 'Chat settings (this chat has its own model or system prompt)' : 'Chat settings'}
        onClick={() => setOpen(true)}
        className="relative flex shrink-0 items-center gap-1 rounded-lg p-2 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
      >
        <Icon name="gear" />
        <span className="hidden md:inline">Chat settings</span>
        {custom && <span className="absolute top-1 right-1 size-2 rounded-full bg-indigo-500" aria-hidden />}
      </button>
      {open && <ChatSettingsDialog chat={chat} onClose={() => setOpen(false)} />}
    </>
  );
}

function ChatSettingsDialog({ chat, onClose }: { chat: ChatWithMessages; onClose: () => void }) {
  const qc = useQueryClient();
  const configs = useModelConfigs({ staleTime: 60_000 });
  const [configId, setConfigId] = useState(chat.model_config_id ?? '');
  const [prompt, setPrompt] = useState(chat.system_prompt ?? '');
  const chosen = configs.data?.model_configs.find((c) => c.id === configId);
  const save = useMutation({
    mutationFn: () =>
      updateChatSettings(chat.id, {
        model_config_id: configId || null,
        system_prompt: prompt.trim() || null,
      }),
    onSuccess: (s) => {
      qc.setQueryData<ChatWithMessages>(keys.chat(chat.id), (old) =>
        old ? { ...old, model_config_id: s.model_config_id, system_prompt: s.system_prompt } : old,
      );
      void qc.invalidateQueries({ queryKey: keys.chats() });
      onClose();
    },
  });
  return (
    <Dialog
      title="Chat settings"
      onClose={onClose}
      overlayClass="items-end sm:items-center sm:p-4"
      panelClass="max-h-full w-full overflow-y-auto rounded-t-xl sm:max-w-lg sm:rounded-xl"
      headingClass="mb-3"
    >
      <form
        className="space-y-4"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Field
          label="Model"
          hint="A model configuration answers every message of this chat; else the model picked under the message box."
        >
          {(id) => (
            <select
              id={id}
              value={configId}
              onChange={(e) => setConfigId(e.target.value)}
              className={inputClass}
            >
              <option value="">Picked per message</option>
              {configs.data?.model_configs.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.model})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="System prompt"
          hint={
            chosen?.system_prompt
              ? `For this chat, instead of the one in “${chosen.name}”. Leave empty to use that one.`
              : 'Given to the model before the conversation: who it is and how to answer. Leave empty for none.'
          }
        >
          {(id) => (
            <textarea
              id={id}
              rows={6}
              maxLength={100_000}
              value={prompt}
              placeholder={chosen?.system_prompt ?? 'You are a helpful assistant…'}
              onChange={(e) => setPrompt(e.target.value)}
              className={inputClass}
            />
          )}
        </Field>
        {configs.isError && <ErrorNote error={configs.error} />}
        {save.isError && <ErrorNote error={save.error} />}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** In place of the model picker when the chat has its own model configuration. */
export function ChatModelNote({ configId }: { configId: string }) {
  const configs = useModelConfigs({ staleTime: 60_000 });
  const c = configs.data?.model_configs.find((x) => x.id === configId);
  return (
    <span className="min-w-0 truncate rounded-lg bg-zinc-100 px-2 py-1.5 text-sm text-zinc-700 dark:bg-zinc-900 dark:text-zinc-300">
      {c ? `${c.name} (${c.model})` : 'This chat’s model'} · set for this chat
    </span>
  );
}
