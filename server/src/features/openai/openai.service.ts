import type { OpenAIChatBody, OpenAIEmbeddingsBody } from '@pocketllm/contracts';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Dispatcher } from 'undici';
import type { AnswerCache } from '../../answer-cache/answer-cache.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { AppError } from '../../errors.js';
import type { LlmProvider, ProviderTarget, ProviderTimeouts } from '../../llm/types.js';
import type { KeyPrincipal } from '../api-keys/api-keys.service.js';
import { type FailoverPlan, failoverProvider } from '../chats/pipeline/failover.js';
import type { RecordSinks } from '../chats/pipeline/record.js';
import { type ModelSources, type ResolvedModel, resolveTarget } from '../chats/pipeline/resolve-target.js';
import type { TargetCache } from '../chats/pipeline/target-cache.js';
import type { ModelsService } from '../models/models.service.js';
import type { RequestLogEntry } from '../telemetry/telemetry.service.js';
import { type ChatOutput, createCompletions, type PreparedChat } from './chat-completions.js';
import { assertPlainChat, cacheInput } from './chat-input.js';
import { createOutcomes } from './chat-outcome.js';
import { openTurn, type StoreDeps } from './chat-store.js';
import { catalogChoice, directChoice, modelNotFound, publicName } from './model-name.js';
import { providerFailure } from './openai-errors.js';
import { embeddingsJson, modelList } from './openai-format.js';

export type { ChatOutput };

export interface OpenAIDeps {
  config: Config;
  db: Db;
  logger: Logger;
  sources: ModelSources;
  targets: TargetCache;
  models: Pick<ModelsService, 'list'>;
  chats: StoreDeps['chats'];
  createProvider: (target: ProviderTarget, timeouts: ProviderTimeouts) => LlmProvider;
  dispatcher: Dispatcher;
  cache: AnswerCache;
  telemetry: { record(entry: RequestLogEntry): void };
  endpointHealth?: RecordSinks['endpointHealth'];
}

export interface ChatOptions {
  signal: AbortSignal;
  /** `X-PocketLLM-Cache: bypass`: no lookup and nothing kept. */
  bypassCache: boolean;
  /** `X-PocketLLM-Chat`: `new` or a chat id to store the exchange in; null stores nothing. */
  chat: string | null;
}

/**
 * The OpenAI-compatible API over the user's catalogue: the send pipeline's resolve-target step picks the
 * target; OpenAI-compatible providers are passed through as they answer, the others (Anthropic, Ollama,
 * GGUF) run through their adapters and are written in OpenAI's shapes. Nothing is stored unless asked
 * (X-PocketLLM-Chat); usage goes to the telemetry buffer.
 */
export function createOpenAIService(deps: OpenAIDeps) {
  const timeouts = deps.config.providers;
  const outcomes = createOutcomes(deps);
  const completions = createCompletions({
    proxy: { timeouts, dispatcher: deps.dispatcher, logger: deps.logger },
    outcomes,
  });

  async function resolve(userId: string, model: string): Promise<ResolvedModel> {
    const choice =
      directChoice(model) ??
      catalogChoice(model, (await deps.models.list(userId, { refresh: false })).models);
    return resolveTarget(
      { sources: deps.sources, cache: deps.targets },
      { userId, body: choice, chatModelConfigId: null },
    );
  }

  /**
   * A local endpoint's failover to the user's other endpoints of the model (as a chat send has); the answer
   * is then recorded against the endpoint that gave it. Null for every other target.
   */
  function failoverOf(userId: string, resolved: ResolvedModel): FailoverPlan | null {
    const endpoints = deps.sources.localModels?.failover;
    if (!endpoints || !resolved.target.localEndpointId) return null;
    return {
      userId,
      model: resolved.model,
      endpoints,
      onSwitch: ({ from, to, target, reason }) => {
        resolved.target = target;
        resolved.failover = { from: resolved.failover?.from ?? from, to, reason };
      },
    };
  }

  async function prepare(p: KeyPrincipal, body: OpenAIChatBody, opts: ChatOptions): Promise<PreparedChat> {
    const started = performance.now();
    const resolved = await resolve(p.userId, body.model);
    const { target } = resolved;
    const passThrough = target.adapter === 'openai-compatible';
    if (!passThrough) assertPlainChat(body, target.provider);
    const provider = target.localEndpointId
      ? `${target.provider}:${target.localEndpointId}`
      : target.provider;
    const keyInput = opts.bypassCache ? null : cacheInput(body, p.userId, provider, resolved.model);
    const prep = keyInput ? deps.cache.prepare(keyInput) : null;
    const hit = prep && keyInput ? await deps.cache.lookup(prep, keyInput.prompt) : null;
    // Store first: the prompt (and an empty answer) is in the chat before the provider is called.
    const turn = opts.chat
      ? await openTurn(deps, p.userId, opts.chat, body, { provider: target.provider, model: resolved.model })
      : null;
    const failover = failoverOf(p.userId, resolved);
    const open = (t: ProviderTarget) => deps.createProvider(t, timeouts);
    return {
      call: { principal: p, resolved, started, prep, prompt: keyInput?.prompt ?? '', turn },
      body,
      passThrough,
      hit,
      llm: () => (failover ? failoverProvider({ ...failover, target, open }) : open(target)),
      failover: passThrough ? failover : null,
      upstreamBody: (extra) => JSON.stringify({ ...body, model: resolved.model, ...extra }),
    };
  }

  return {
    /** A non-streamed completion as JSON text, and the chat it was stored in (if asked). */
    async chatJson(p: KeyPrincipal, body: OpenAIChatBody, opts: ChatOptions) {
      const x = await prepare(p, body, opts);
      return { text: await completions.json(x, opts.signal), chatId: x.call.turn?.chatId ?? null };
    },

    /** A streamed completion written to `out`; `onChat` learns the chat it is stored in before any byte. */
    async chatStream(
      p: KeyPrincipal,
      body: OpenAIChatBody,
      out: ChatOutput,
      opts: ChatOptions & { onChat?: (chatId: string) => void },
    ): Promise<void> {
      const x = await prepare(p, body, opts);
      if (x.call.turn) opts.onChat?.(x.call.turn.chatId);
      await completions.stream(x, out, opts.signal);
    },

    /** GET /models: the user's catalogue, every model named `provider/model`. */
    async models(userId: string): Promise<string> {
      const { models } = await deps.models.list(userId, { refresh: false });
      return modelList(models.map((m) => ({ id: publicName(m), owned_by: m.owned_by ?? m.provider })));
    },

    /** GET /models/{model}. @throws not_found */
    async model(userId: string, name: string) {
      const { models } = await deps.models.list(userId, { refresh: false });
      const m = models.find((x) => publicName(x) === name) ?? models.find((x) => x.id === name);
      if (!m) throw modelNotFound(name);
      return { id: publicName(m), object: 'model', created: 0, owned_by: m.owned_by ?? m.provider };
    },

    /** POST /embeddings through the provider's adapter. @throws not_found, validation_error, provider errors */
    async embeddings(userId: string, body: OpenAIEmbeddingsBody, signal: AbortSignal): Promise<string> {
      const resolved = await resolve(userId, body.model);
      const llm = deps.createProvider(resolved.target, timeouts);
      if (!llm.embed)
        throw new AppError(
          'validation_error',
          `model: provider \`${resolved.target.provider}\` has no embeddings`,
          {
            details: { field: 'model', reason: 'unsupported_model' },
          },
        );
      const input = typeof body.input === 'string' ? [body.input] : body.input;
      try {
        const vectors = await llm.embed(input, resolved.model, signal);
        const tokens = input.reduce((n, s) => n + Math.ceil(s.length / 4), 0);
        return embeddingsJson(body.model, vectors, body.encoding_format === 'base64', tokens);
      } catch (err) {
        throw providerFailure(err);
      }
    },
  };
}

export type OpenAIService = ReturnType<typeof createOpenAIService>;
