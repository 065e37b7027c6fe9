/** A chat's branches: regenerate an answer, edit a prompt (both streamed like a send), switch branch. */
import type { EditMessageBody, RegenerateMessageBody } from '../../../contracts/src/tree.js';
import { api, apiFetch } from './client';
import { readEvents, type StreamEvent } from './stream';

async function postStream(
  path: string,
  body: object,
  onEvent: (e: StreamEvent) => void,
  signal?: AbortSignal,
) {
  const res = await apiFetch(path, {
    method: 'POST',
    body: { ...body, stream: true },
    headers: { accept: 'text/event-stream' },
    signal,
  });
  await readEvents(res, onEvent);
}

/** A new answer to the prompt of answer `messageId` (optionally from another model), streamed. */
export const regenerateStream = (
  messageId: string,
  body: Omit<RegenerateMessageBody, 'stream'>,
  onEvent: (e: StreamEvent) => void,
  signal?: AbortSignal,
) => postStream(`/messages/${messageId}/regenerate`, body, onEvent, signal);

/** A new version of user message `messageId` and its answer, streamed; the original branch stays. */
export const editStream = (
  messageId: string,
  body: Omit<EditMessageBody, 'stream'>,
  onEvent: (e: StreamEvent) => void,
  signal?: AbortSignal,
) => postStream(`/messages/${messageId}/edit`, body, onEvent, signal);

/** Shows the branch through `messageId` (the chat's leaf becomes its newest descendant). */
export const setLeaf = (chatId: string, messageId: string) =>
  api<{ current_leaf_id: string }>(`/chats/${chatId}/leaf`, {
    method: 'PUT',
    body: { message_id: messageId },
  });
