import type { Message, SendMessageBody } from '@pocketllm/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { AppError, notFound } from '../../errors.js';
import type { SseStream } from '../../lib/sse.js';
import type { LlmProvider, ProviderTarget, ProviderTimeouts } from '../../llm/types.js';
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
  telemetry?: { record(entry: ChatRequestRecord): void };
  endpointHealth?: { recordResult(endpointId: string, ok: boolean, error?: string): void | Promise<void> };
}

export interface SendHandle {
  userMessage: Message;
  assistantMessage: Message;
  generation: Generation;
}

export function createSendService(deps: SendDeps) {
  const { db, config, registry } = deps;

  function recordOutcome(
    userId: string,
    chatId: string,
    target: ProviderTarget,
    model: string,
    outcome: GenerationOutcome,
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
      cacheHit: false,
      status: outcome.status === 'completed' ? 'ok' : outcome.status === 'aborted' ? 'aborted' : 'error',
      ...(outcome.error ? { errorCode: outcome.error.code } : {}),
    });
    if (target.localEndpointId && outcome.status !== 'aborted') {
      void deps.endpointHealth?.recordResult(
        target.localEndpointId,
        outcome.status === 'completed',
        outcome.error?.message,
      );
    }
  }

  return {
    /**
     * Stores the user's message and an empty 'streaming' answer, then starts writing the answer in the
     * background. @throws not_found, no_model_configured, provider_not_configured, validation_error
     */
    async send(userId: string, chatId: string, body: SendMessageBody): Promise<SendHandle> {
      const chat = await deps.chats.ownChat(userId, chatId);
      const resolved = await resolveModel(deps.sources, userId, body, chat.modelConfigId);
      const history = await repo.chatHistory(db, chatId);
      const messages = buildContext({
        systemPrompt: resolved.systemPrompt,
        history,
        prompt: body.content,
        maxTokens: resolved.params.max_tokens ?? 2048,
      });
      const metadata = {
        provider: resolved.target.provider,
        model: resolved.model,
        ...(resolved.target.localEndpointId ? { local_model_id: resolved.target.localEndpointId } : {}),
        ...(resolved.failover ? { failover: resolved.failover } : {}),
      };
      const now = Date.now();
      // Store first: whatever happens upstream, what the user typed is kept.
      const [userRow, assistantRow] = await db.transaction((tx) =>
        repo.insertMessages(
          tx,
          chatId,
          [
            {
              chatId,
              userId,
              role: 'user',
              content: body.content,
              status: 'completed',
              createdAt: new Date(now),
            },
            {
              chatId,
              userId,
              role: 'assistant',
              status: 'streaming',
              metadata,
              createdAt: new Date(now + 1),
            },
          ],
          chat.title ? undefined : titleFrom(body.content),
        ),
      );
      if (!userRow || !assistantRow) throw new Error('insert returned no rows');
      const provider = deps.createProvider(resolved.target, config.providers);
      const generation = registry.start({
        message: assistantRow,
        provider,
        request: { model: resolved.model, messages, params: resolved.params },
        metadata,
        onFinished: (outcome) => recordOutcome(userId, chatId, resolved.target, resolved.model, outcome),
      });
      return { userMessage: toMessage(userRow), assistantMessage: toMessage(assistantRow), generation };
    },

    /** Pipes a freshly started answer to its SSE client. */
    pipe: (sse: SseStream, generation: Generation) => pipeGeneration(sse, generation, 0),

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
      const row = await this.assertAnswer(userId, messageId);
      const gen = registry.get(messageId);
      if (gen) return pipeGeneration(sse, gen, fromOffset);
      return followStoredAnswer(sse, db, row, fromOffset, config.providers.idleTimeoutMs + 10_000);
    },

    /** Stops a running answer and keeps its partial text. @throws not_found, conflict (already finished) */
    async cancel(userId: string, messageId: string): Promise<Message> {
      const row = await repo.findMessage(db, userId, messageId);
      if (!row) throw notFound('Message');
      if (row.status !== 'streaming') throw new AppError('conflict', `This answer has already ${row.status}`);
      const gen = registry.get(messageId);
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

    /** Marks answers left 'streaming' by a dead process as failed (at start, and now and then). */
    async failStale() {
      const cutoff = new Date(Date.now() - (config.providers.idleTimeoutMs + 60_000));
      const rows = await repo.failStaleGenerations(db, cutoff);
      if (rows.length) deps.logger.warn({ count: rows.length }, 'marked interrupted answers as failed');
    },
  };
}

export type SendService = ReturnType<typeof createSendService>;
