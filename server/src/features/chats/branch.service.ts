import type { EditMessageBody, RegenerateMessageBody } from '@pocketllm/contracts';
import type { MessageRow } from '../../db/schema/index.js';
import { AppError, notFound } from '../../errors.js';
import { toMessage } from '../messages/message.mapper.js';
import { announceTurn } from './answer-relay.js';
import { prepareAttachments, withPictures } from './pipeline/attachments.js';
import { buildSendContext } from './pipeline/build-context.js';
import { callOutWritten, startGeneration } from './pipeline/generate.js';
import { persistAnswer, streamingAnswer } from './pipeline/persist.js';
import { recordOutcome } from './pipeline/record.js';
import { type ModelChoice, resolveTarget } from './pipeline/resolve-target.js';
import { loadSendState } from './send.repository.js';
import { generateDeps, type SendDeps, type SendHandle, type SendService } from './send.service.js';
import { findWithParent } from './tree.repository.js';

/**
 * The model a regeneration uses: the request's choice; else the chat's model configuration; else the model
 * that wrote the answer being regenerated (a chat of ad-hoc provider+model sends has no configuration).
 */
function regenerationChoice(
  body: RegenerateMessageBody,
  chatConfigId: string | null,
  answer: MessageRow,
): ModelChoice {
  if (body.model_config_id || body.provider || body.model || body.local_model_id || chatConfigId) return body;
  const { provider, model, local_model_id: localId } = answer.metadata;
  if (localId && model) return { ...body, local_model_id: localId, model };
  if (provider && model) return { ...body, provider, model };
  return body;
}

const onlyRole = (role: string, what: string) =>
  new AppError('validation_error', `message_id: only ${what}`, { details: { field: 'message_id', role } });

/**
 * New branches of a chat: another answer to the same prompt, or another version of a prompt. Both are the
 * send pipeline's steps (resolve target → build context → persist → generate → record) over the path above
 * the message, so they store first, stream, resume and cancel exactly like a send.
 */
export function createBranchService(deps: SendDeps, chatSend: Pick<SendService, 'send'>) {
  const { db, registry } = deps;
  const generate = generateDeps(deps);
  /** The user's message `messageId` with its parent, read with the request's pending rate-limit check. */
  const findMessage = async (userId: string, messageId: string, admission?: Promise<void>) => {
    const [found] = await Promise.all([findWithParent(db, userId, messageId), admission]);
    if (!found) throw notFound('Message');
    return found;
  };
  return {
    /**
     * A new answer (a sibling of `messageId`) to the user message it answers, optionally from another model.
     * The answer cache is skipped both ways: a regeneration asks for a different answer.
     * `admission`: the request's pending rate-limit check, awaited with the first read.
     * @throws not_found, validation_error (message_id: not an answer), what a send's model choice throws
     */
    async regenerate(
      userId: string,
      messageId: string,
      body: RegenerateMessageBody,
      admission?: Promise<void>,
    ): Promise<SendHandle> {
      const found = await findMessage(userId, messageId, admission);
      const prompt = found.parent;
      if (found.row.role !== 'assistant') throw onlyRole(found.row.role, 'answers can be regenerated');
      if (prompt?.role !== 'user' || !prompt)
        throw onlyRole('assistant', 'answers to a prompt can be regenerated');
      const state = await loadSendState(db, userId, found.row.chatId, { parentId: prompt.parentId });
      if (!state) throw notFound('Message');
      const resolved = await resolveTarget(
        { sources: deps.sources, cache: deps.targets },
        {
          userId,
          body: regenerationChoice(body, state.chat.modelConfigId, found.row),
          chatModelConfigId: state.chat.modelConfigId,
        },
      );
      // The prompt's files go to the model again (and are checked again: the new model may not see pictures).
      const attached = await prepareAttachments(deps.attachments, {
        userId,
        fileIds: prompt.attachments.map((a) => a.id),
        resolved,
        prompt: prompt.content,
      });
      const context = buildSendContext({
        resolved,
        history: state.history,
        prompt: attached.prompt,
        chatSystemPrompt: state.chat.systemPrompt,
      });
      const row = await persistAnswer(db, {
        chatId: prompt.chatId,
        userId,
        promptId: prompt.id,
        answer: streamingAnswer(context.metadata, registry.instanceId),
      });
      const userMessage = toMessage(prompt);
      const sent = { userId, chatId: prompt.chatId, resolved, cacheHit: false };
      // As in a send: the provider call goes out first, the user's event stream hears of the turn right after.
      const generation = startGeneration(generate, {
        row,
        resolved,
        messages: withPictures(context.messages, attached.images),
        metadata: context.metadata,
        onFinished: (outcome) => recordOutcome(deps, sent, outcome),
      });
      announceTurn(deps.userEvents, { userMessage, assistantRow: row });
      await callOutWritten();
      return { userMessage, assistantMessage: toMessage(row), generation, cached: false };
    },

    /**
     * A new version of the user message `messageId` (its sibling, the original branch kept) and an answer
     * to it: a send under the original's parent, with the original's files unless the body names others.
     * `admission`: the request's pending rate-limit check, awaited with the first read.
     * @throws not_found, validation_error (not a user message)
     */
    async edit(
      userId: string,
      messageId: string,
      body: EditMessageBody,
      admission?: Promise<void>,
    ): Promise<SendHandle> {
      const found = await findMessage(userId, messageId, admission);
      if (found.row.role !== 'user') throw onlyRole(found.row.role, 'user messages can be edited');
      // Without `attachments` the new version keeps the original's files; `[]` leaves them out.
      const attachments = body.attachments ?? found.row.attachments.map((a) => a.id);
      return chatSend.send(userId, found.row.chatId, { ...body, attachments, parent_id: found.row.parentId });
    },
  };
}

export type BranchService = ReturnType<typeof createBranchService>;
