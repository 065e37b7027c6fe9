import type { Message, SendMessageBody } from '@pocketllm/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { AnswerCache, PreparedLookup } from '../../cache/answer-cache.js';
import { normalizePrompt } from '../../cache/normalize.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { AppError, notFound } from '../../errors.js';
import type { SseStream } from '../../lib/sse.js';
import type { ChatMessage, LlmProvider, ProviderTarget, ProviderTimeouts } from '../../llm/types.js';
import { toMessage } from './chat.mapper.js';
import * as repo from './chats.repository.js';
import type { ChatsService } from './chats.service.js';
import { buildContext, titleFrom } from './context-window.js';
import type { Generation, GenerationOutcome, GenerationRegistry } from './generation.js';
import { followStoredAnswer, pipeGeneration } from './message-stream.js';
import { type ModelSources, resolveModel } from './resolve-model.js';

/** One row of the request log (written off the hot path by the telemetry service). */
export interface ChatRequestRecord {
  userId: string;
  chatId: string;
  messageId: string;
  provider: string;
  model: string;
  localEndpointId?: string;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
  ttftMs?: number | null;
  cacheHit: boolean;
  status: 'ok' | 'error' | 'aborted';
  errorCode?: string;
}

export interface SendDeps {
  db: Db;
  config: Config;
  logger: FastifyBaseLogger;
  chats: ChatsService;
  registry: GenerationRegistry;
  sources: ModelSources;
  createProvider(target: ProviderTarget, timeouts: ProviderTimeouts): LlmProvider;
  cache: AnswerCache;
  telemetry?: { record(entry: ChatRequestRecord): void };
  endpointHealth?: { recordResult(endpointId: string, ok: boolean, error?: string): void | Promise<void> };
}

export interface SendHandle {
  userMessage: Message;
  assistantMessage: Message;
  /** The answer being written, or null when it came from the cache (assistantMessage is then complete). */
  generation: Generation | null;
  cached: boolean;
}

const withoutEnds = (messages: ChatMessage[], hasSystem: boolean) => messages.slice(hasSystem ? 1 : 0, -1);

export function createSendService(deps: SendDeps) {
  const { db, config, registry } = deps;

  function recordOutcome(
    userId: string,
    chatId: string,
    target: ProviderTarget,
    model: string,
    outcome: Pick<
      GenerationOutcome,
      'message' | 'status' | 'latencyMs' | 'ttftMs' | 'tokensIn' | 'tokensOut' | 'error' | 'errorKind'
    >,
    cacheHit = false,
  ) {
    deps.telemetry?.record({
      userId,
      chatId,
      messageId: outcome.message.id,
      provider: target.provider,
      model,
      ...(target.localEndpointId ? { localEndpointId: target.localEndpointId } : {}),
      tokensIn: outcome.tokensIn,
      tokensOut: outcome.tokensOut,
      latencyMs: outcome.latencyMs,
      ttftMs: outcome.ttftMs,
      cacheHit,
      status: outcome.status === 'completed' ? 'ok' : outcome.status === 'aborted' ? 'aborted' : 'error',
      ...(outcome.error ? { errorCode: outcome.error.code } : {}),
    });
    // Only failures of the endpoint itself count toward its circuit breaker, not a bad request of the user's.
    const endpointFault = ['unreachable', 'timeout', 'upstream'].includes(outcome.errorKind ?? '');
    if (target.localEndpointId && (outcome.status === 'completed' || endpointFault)) {
      void deps.endpointHealth?.recordResult(
        target.localEndpointId,
        outcome.status === 'completed',
        outcome.error?.message,
      );
    }
  }

  const rememberAnswer = (prep: PreparedLookup, prompt: string, outcome: GenerationOutcome) =>
    deps.cache.store(prep, prompt, {
      content: outcome.message.content,
      tokensIn: outcome.tokensIn,
      tokensOut: outcome.tokensOut,
      finishReason: 'stop',
      createdAt: Date.now(),
    });

  return {
    /**
     * Stores the user's message and an empty 'streaming' answer, then starts writing the answer in the
     * background. @throws not_found, no_model_configured, provider_not_configured, validation_error
     */
    async send(userId: string, chatId: string, body: SendMessageBody): Promise<SendHandle> {
      const chat = await deps.chats.ownChat(userId, chatId);
      const resolved = await resolveModel(deps.sources, userId, body, chat.modelConfigId);
      const history = await repo.chatHistory(db, chatId);
      const maxTokens = resolved.params.max_tokens ?? 2048;
      const contextFor = (earlier: typeof history) =>
        buildContext({
          systemPrompt: resolved.systemPrompt,
          history: earlier,
          prompt: body.content,
          maxTokens,
        });
      const messages = contextFor(history);
      const metadata = {
        provider: resolved.target.provider,
        model: resolved.model,
        ...(resolved.target.localEndpointId ? { local_model_id: resolved.target.localEndpointId } : {}),
        ...(resolved.failover ? { failover: resolved.failover } : {}),
      };
      // A prompt asked again in this chat is looked up in the context of its first asking.
      const normalized = normalizePrompt(body.content);
      const firstAsked = history.findIndex(
        (h) => h.role === 'user' && normalizePrompt(h.content) === normalized,
      );
      const keyContext = firstAsked >= 0 ? contextFor(history.slice(0, firstAsked)) : messages;
      const prep = deps.cache.prepare({
        userId,
        // Two endpoints serving the same model name are still two different servers.
        provider: resolved.target.localEndpointId
          ? `${resolved.target.provider}:${resolved.target.localEndpointId}`
          : resolved.target.provider,
        model: resolved.model,
        params: resolved.params,
        systemPrompt: resolved.systemPrompt,
        context: withoutEnds(keyContext, Boolean(resolved.systemPrompt)),
        prompt: body.content,
      });
      const started = performance.now();
      const hit = body.cache === false ? null : await deps.cache.lookup(prep, body.content);
      const title = chat.title ? undefined : titleFrom(body.content);
      const now = Date.now();
      const userRow: repo.NewMessage = {
        chatId,
        userId,
        role: 'user',
        content: body.content,
        status: 'completed',
        createdAt: new Date(now),
      };

      if (hit) {
        const latencyMs = Math.round(performance.now() - started);
        const cachedMeta = {
          ...metadata,
          cached: true,
          ...(hit.semantic ? { cache_match: 'similar' } : {}),
          latency_ms: latencyMs,
          ttft_ms: latencyMs,
          tokens_in: hit.answer.tokensIn,
          tokens_out: hit.answer.tokensOut,
          finish_reason: hit.answer.finishReason,
        };
        const [u, a] = await db.transaction((tx) =>
          repo.insertMessages(
            tx,
            chatId,
            [
              userRow,
              {
                chatId,
                userId,
                role: 'assistant',
                content: hit.answer.content,
                status: 'completed',
                metadata: cachedMeta,
                createdAt: new Date(now + 1),
              },
            ],
            title,
          ),
        );
        if (!u || !a) throw new Error('insert returned no rows');
        const assistantMessage = toMessage(a);
        recordOutcome(
          userId,
          chatId,
          resolved.target,
          resolved.model,
          {
            message: assistantMessage,
            status: 'completed',
            latencyMs,
            ttftMs: latencyMs,
            tokensIn: hit.answer.tokensIn,
            tokensOut: hit.answer.tokensOut,
          },
          true,
        );
        return { userMessage: toMessage(u), assistantMessage, generation: null, cached: true };
      }

      // Store first: whatever happens upstream, what the user typed is kept.
      const [u, assistantRow] = await db.transaction((tx) =>
        repo.insertMessages(
          tx,
          chatId,
          [
            userRow,
            {
              chatId,
              userId,
              role: 'assistant',
              status: 'streaming',
              writerId: registry.instanceId,
              metadata,
              createdAt: new Date(now + 1),
            },
          ],
          title,
        ),
      );
      if (!u || !assistantRow) throw new Error('insert returned no rows');
      const provider = deps.createProvider(resolved.target, config.providers);
      const generation = registry.start({
        message: assistantRow,
        provider,
        request: { model: resolved.model, messages, params: resolved.params },
        metadata,
        onFinished: (outcome) => {
          recordOutcome(userId, chatId, resolved.target, resolved.model, outcome);
          if (outcome.status === 'completed' && outcome.message.metadata.finish_reason === 'stop') {
            void rememberAnswer(prep, body.content, outcome);
          }
        },
      });
      return {
        userMessage: toMessage(u),
        assistantMessage: toMessage(assistantRow),
        generation,
        cached: false,
      };
    },

    /** Streams a send's answer to its client: live from the generation, or a cached answer replayed at once. */
    async pipe(sse: SseStream, handle: SendHandle): Promise<void> {
      if (handle.generation) return pipeGeneration(sse, handle.generation, 0);
      const answer = handle.assistantMessage;
      sse.send('delta', { content: answer.content }, answer.content.length);
      sse.send('message.completed', { message: answer }, answer.content.length);
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
    async resume(userId: string, messageId: string, fromOffset: number, sse: SseStream): Promise<void> {
      let row = await this.assertAnswer(userId, messageId);
      const gen = registry.get(messageId);
      if (gen) return pipeGeneration(sse, gen, fromOffset);
      // An answer nobody writes any more is ended now rather than followed until it goes stale.
      if (row.status === 'streaming') row = (await registry.endIfOrphaned(messageId)) ?? row;
      return followStoredAnswer(sse, db, row, fromOffset, config.providers.idleTimeoutMs + 10_000);
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
