import type { Message, SendMessageBody } from '@pocketllm/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { AnswerCache } from '../../answer-cache/answer-cache.js';
import { cacheKeyInput } from '../../answer-cache/cache-key.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { AppError, notFound } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import type { UserEventLog } from '../../lib/user-events.js';
import type { LlmProvider, ProviderTarget, ProviderTimeouts } from '../../llm/types.js';
import { toMessage } from '../messages/message.mapper.js';
import { announceTurn } from './answer-relay.js';
import * as repo from './chats.repository.js';
import type { Generation, GenerationRegistry } from './generation.js';
import { type AnswerStream, pipeGeneration } from './message-stream.js';
import { type AttachmentDeps, prepareAttachments, withPictures } from './pipeline/attachments.js';
import { buildSendContext } from './pipeline/build-context.js';
import { callOutWritten, type GenerateDeps, startGeneration } from './pipeline/generate.js';
import { answerFromCache, persistTurn, streamingAnswer } from './pipeline/persist.js';
import { answerToRemember, type RecordSinks, recordOutcome } from './pipeline/record.js';
import { type ModelSources, type ResolvedModel, resolveTarget } from './pipeline/resolve-target.js';
import type { TargetCache } from './pipeline/target-cache.js';
import { loadSendState, type SendState } from './send.repository.js';

export interface SendDeps extends RecordSinks {
  db: Db;
  config: Config;
  logger: FastifyBaseLogger;
  registry: GenerationRegistry;
  sources: ModelSources;
  /** Resolved model targets kept between sends (invalidated when the user's models change). */
  targets?: TargetCache;
  createProvider(target: ProviderTarget, timeouts: ProviderTimeouts): LlmProvider;
  cache: AnswerCache;
  /** Reads and checks the files sent with a message (pipeline/attachments.ts). */
  attachments?: AttachmentDeps;
  /** The user's event stream hears each stored turn. */
  userEvents?: UserEventLog;
}

export interface SendHandle {
  userMessage: Message;
  assistantMessage: Message;
  /** The answer being written, or null when it came from the cache (assistantMessage is then complete). */
  generation: Generation | null;
  cached: boolean;
}

/** What the generate step (pipeline/generate.ts) takes of a send's dependencies. */
export const generateDeps = (deps: SendDeps): GenerateDeps => ({
  registry: deps.registry,
  createProvider: deps.createProvider,
  timeouts: deps.config.providers,
  failover: deps.sources.localModels?.failover,
});

export function createSendService(deps: SendDeps) {
  const { db, config, registry } = deps;
  const generate = generateDeps(deps);

  const resolve = (userId: string, body: SendMessageBody, chatModelConfigId: string | null) =>
    resolveTarget({ sources: deps.sources, cache: deps.targets }, { userId, body, chatModelConfigId });

  /**
   * The send pipeline from step 2, into the chat `state` describes, once its target is resolved: build
   * context → cache key → persist → generate → record. `beforeStore` runs just before the turn is stored
   * (a new chat's row is made there).
   */
  async function sendTurn(
    userId: string,
    state: SendState,
    body: SendMessageBody,
    resolved: ResolvedModel,
    beforeStore?: () => Promise<void>,
  ): Promise<SendHandle> {
    const chatId = state.chat.id;
    const attached = await prepareAttachments(deps.attachments, {
      userId,
      fileIds: body.attachments,
      resolved,
      prompt: body.content,
    });
    const context = buildSendContext({
      resolved,
      history: state.history,
      prompt: attached.prompt,
      chatSystemPrompt: state.chat.systemPrompt,
    });
    // `cache: false` leaves the cache out entirely: no lookup, and the answer is not kept for others to get.
    const prep =
      body.cache === false
        ? null
        : deps.cache.prepare(
            cacheKeyInput({
              userId,
              target: resolved.target,
              model: resolved.model,
              params: resolved.params,
              systemPrompt: context.systemPrompt,
              history: state.history,
              prompt: body.content,
              contextFor: context.contextFor,
              attachments: attached.hash,
            }),
          );
    const turn = {
      chatId,
      userId,
      chatTitle: state.chat.title,
      prompt: body.content,
      attachments: attached.stored,
      parentId: state.parentId,
    };
    const sent = { userId, chatId, resolved };

    const started = performance.now();
    const hit = prep ? await deps.cache.lookup(prep, body.content) : null;
    const latencyMs = Math.round(performance.now() - started);
    await beforeStore?.();
    if (hit) {
      const answer = answerFromCache(context.metadata, hit, latencyMs);
      const stored = await persistTurn(db, { ...turn, answer });
      announceTurn(deps.userEvents, stored);
      const assistantMessage = toMessage(stored.assistantRow);
      recordOutcome(
        deps,
        { ...sent, cacheHit: true },
        {
          message: assistantMessage,
          status: 'completed',
          latencyMs,
          ttftMs: latencyMs,
          tokensIn: hit.answer.tokensIn,
          tokensOut: hit.answer.tokensOut,
        },
      );
      return { userMessage: stored.userMessage, assistantMessage, generation: null, cached: true };
    }

    const stored = await persistTurn(db, {
      ...turn,
      answer: streamingAnswer(context.metadata, registry.instanceId),
    });
    // The provider call goes out first: the user's event stream hears of the turn right after (same tick).
    const generation = startGeneration(generate, {
      row: stored.assistantRow,
      resolved,
      messages: withPictures(context.messages, attached.images),
      metadata: context.metadata,
      onFinished: (outcome) => {
        recordOutcome(deps, { ...sent, cacheHit: false }, outcome);
        const remember = prep ? answerToRemember(outcome) : null;
        if (prep && remember) void deps.cache.store(prep, body.content, remember);
      },
    });
    announceTurn(deps.userEvents, stored);
    // The provider's request is on its socket before the client's stream opens (callOutWritten).
    await callOutWritten();
    return {
      userMessage: stored.userMessage,
      assistantMessage: toMessage(stored.assistantRow),
      generation,
      cached: false,
    };
  }

  return {
    /**
     * The send pipeline: resolve target → build context → cache key → persist → generate → record. What the
     * user typed is stored (with an empty 'streaming' answer) before any provider is called; the answer is
     * then written in the background. `admission`: the request's pending rate-limit check, awaited with the
     * first read (a refused send stores nothing). @throws not_found, no_model_configured,
     * provider_not_configured, validation_error, rate_limited
     */
    async send(
      userId: string,
      chatId: string,
      body: SendMessageBody,
      admission?: Promise<void>,
    ): Promise<SendHandle> {
      const [state] = await Promise.all([
        loadSendState(db, userId, chatId, { parentId: body.parent_id }),
        admission,
      ]);
      if (!state) throw notFound('Chat');
      // A parent that is not a message of this chat (or not the user's) is as absent as a missing one.
      if (body.parent_id && state.parentId !== body.parent_id) throw notFound('Message');
      return sendTurn(userId, state, body, await resolve(userId, body, state.chat.modelConfigId));
    },

    /**
     * A send into a chat that does not exist yet: its state is known (no title, history or settings), so
     * its first read is the model's, awaited with `admission`. `createChat` makes the chat's row, with the
     * id given, once nothing before the store can refuse the send any more. @throws what send throws
     */
    async sendToNewChat(
      userId: string,
      body: SendMessageBody,
      createChat: (chatId: string) => Promise<void>,
      admission?: Promise<void>,
    ): Promise<SendHandle> {
      const resolving = resolve(userId, body, null);
      // The limit answers first (as when it ran before the handler): a refused send is a 429 whatever else.
      resolving.catch(() => {});
      await admission;
      const resolved = await resolving;
      // A new chat has no message to follow.
      if (body.parent_id) throw notFound('Message');
      const state: SendState = {
        chat: { id: newId(), title: null, modelConfigId: null, systemPrompt: null },
        parentId: null,
        history: [],
      };
      return sendTurn(userId, state, body, resolved, () => createChat(state.chat.id));
    },

    /** Streams a send's answer to its client: live from the generation, or a cached answer replayed at once. */
    async pipe(sse: AnswerStream, handle: SendHandle): Promise<void> {
      if (handle.generation) return pipeGeneration(sse, handle.generation, 0);
      const answer = handle.assistantMessage;
      sse.send({ event: 'delta', data: { content: answer.content } }, answer.content.length);
      sse.send({ event: 'message.completed', data: { message: answer } }, answer.content.length);
      sse.end();
    },

    /** Waits for a send's answer. @throws provider_error (502) or provider_timeout (504), the answer kept as failed */
    async result(handle: SendHandle) {
      if (!handle.generation) {
        return { user_message: handle.userMessage, assistant_message: handle.assistantMessage, cached: true };
      }
      const outcome = await handle.generation.done;
      if (outcome.status === 'failed') {
        const code = outcome.error?.code === 'provider_timeout' ? 'provider_timeout' : 'provider_error';
        throw new AppError(code, outcome.error?.message, {
          details: { user_message_id: handle.userMessage.id, assistant_message_id: outcome.message.id },
        });
      }
      return { user_message: handle.userMessage, assistant_message: outcome.message, cached: false };
    },

    /** @throws not_found (also for another user's message), validation_error for a user message */
    async assertAnswer(userId: string, messageId: string) {
      const row = await repo.findMessage(db, userId, messageId);
      if (!row) throw notFound('Message');
      if (row.role !== 'assistant')
        throw new AppError('validation_error', 'id: only answers can be streamed');
      return row;
    },

    /** Streams an answer to `sse` from `fromOffset`: live when this instance writes it, else from the database. */
    async resume(userId: string, messageId: string, fromOffset: number, sse: AnswerStream): Promise<void> {
      let row = await this.assertAnswer(userId, messageId);
      const gen = registry.get(messageId);
      if (gen) return pipeGeneration(sse, gen, fromOffset);
      // An answer nobody writes any more is ended now rather than followed until it goes stale.
      if (row.status === 'streaming') row = (await registry.endIfOrphaned(messageId)) ?? row;
      return registry.follow(sse, row, fromOffset, config.providers.idleTimeoutMs + 10_000);
    },

    /** Stops a running answer and keeps its partial text. @throws not_found, conflict (already finished) */
    async cancel(userId: string, messageId: string): Promise<Message> {
      const row = await repo.findMessage(db, userId, messageId);
      if (!row) throw notFound('Message');
      if (row.status !== 'streaming') throw new AppError('conflict', `This answer has already ${row.status}`);
      const gen = registry.get(messageId);
      if (!gen) {
        // Its writer is gone: there is nothing to stop, so end it (as interrupted) instead of waiting in vain.
        const ended = await registry.endIfOrphaned(messageId);
        if (ended) return toMessage(ended);
      }
      registry.cancel(messageId);
      if (gen) return (await gen.done).message;
      // Running on another instance: give it a moment to store the partial answer.
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const next = await repo.findMessage(db, userId, messageId);
        if (next && next.status !== 'streaming') return toMessage(next);
      }
      return toMessage(row);
    },
  };
}

export type SendService = ReturnType<typeof createSendService>;
