import type { OpenAIChatBody, OpenAIEmbeddingsBody } from '@pocketllm/contracts';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Dispatcher } from 'undici';
import type { AnswerCache, PreparedLookup } from '../../answer-cache/answer-cache.js';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import {
  type LlmProvider,
  ProviderError,
  type ProviderTarget,
  type ProviderTimeouts,
} from '../../llm/types.js';
import type { KeyPrincipal } from '../api-keys/api-keys.service.js';
import type { RecordSinks } from '../chats/pipeline/record.js';
import { type ModelSources, type ResolvedModel, resolveTarget } from '../chats/pipeline/resolve-target.js';
import type { TargetCache } from '../chats/pipeline/target-cache.js';
import type { ModelsService } from '../models/models.service.js';
import type { RequestLogEntry } from '../telemetry/telemetry.service.js';
import { runAdapterChat } from './adapter-chat.js';
import { assertPlainChat, cacheInput } from './chat-input.js';
import { catalogChoice, directChoice, modelNotFound, publicName } from './model-name.js';
import {
  chunkWriter,
  completionId,
  completionJson,
  DONE,
  embeddingsJson,
  modelList,
  streamErrorEvent,
} from './openai-format.js';
import { proxyJson, proxyStream, usageIn } from './upstream-proxy.js';

export interface OpenAIDeps {
  config: Config;
  logger: Logger;
  sources: ModelSources;
  targets: TargetCache;
  models: Pick<ModelsService, 'list'>;
  createProvider: (target: ProviderTarget, timeouts: ProviderTimeouts) => LlmProvider;
  dispatcher: Dispatcher;
  cache: AnswerCache;
  telemetry: { record(entry: RequestLogEntry): void };
  endpointHealth?: RecordSinks['endpointHealth'];
}

/** Where a streamed answer goes: `start` opens the response (nothing is sent before the provider answers). */
export interface ChatOutput {
  start(): void;
  write(text: string): void;
  end(): void;
}

export interface ChatOptions {
  signal: AbortSignal;
  /** `X-PocketLLM-Cache: bypass`: no lookup and nothing kept. */
  bypassCache: boolean;
}

/** A provider failure as the API reports it: 429 stays 429 (SDKs retry), timeouts 504, the rest 502. */
export function providerFailure(err: unknown): unknown {
  if (!(err instanceof ProviderError)) return err;
  const details = { reason: err.kind, ...(err.status ? { upstream_status: err.status } : {}) };
  if (err.kind === 'bad_request') return new AppError('validation_error', err.message, { details });
  if (err.kind === 'rate_limited') return new AppError('rate_limited', err.message, { details });
  if (err.kind === 'timeout') return new AppError('provider_timeout', err.message, { details });
  return new AppError('provider_error', err.message, { details });
}

const ERROR_KINDS_OF_ENDPOINT = new Set(['unreachable', 'timeout', 'upstream']);

/**
 * The OpenAI-compatible API over the user's catalogue: the send pipeline's resolve-target step picks the
 * target; OpenAI-compatible providers are passed through as they answer, the others (Anthropic, Ollama,
 * GGUF) run through their adapters and are written in OpenAI's shapes. Nothing is stored; usage goes to
 * the telemetry buffer.
 */
export function createOpenAIService(deps: OpenAIDeps) {
  const timeouts = deps.config.providers;
  const proxyDeps = { timeouts, dispatcher: deps.dispatcher, logger: deps.logger };

  async function resolve(userId: string, model: string): Promise<ResolvedModel> {
    const choice =
      directChoice(model) ??
      catalogChoice(model, (await deps.models.list(userId, { refresh: false })).models);
    return resolveTarget(
      { sources: deps.sources, cache: deps.targets },
      { userId, body: choice, chatModelConfigId: null },
    );
  }

  function record(
    p: KeyPrincipal,
    resolved: ResolvedModel,
    r: {
      started: number;
      ttftMs: number | null;
      tokensIn: number;
      tokensOut: number;
      cacheHit: boolean;
      error?: unknown;
    },
  ) {
    const { target } = resolved;
    const failed = r.error !== undefined;
    const kind = r.error instanceof ProviderError ? r.error.kind : undefined;
    deps.telemetry.record({
      userId: p.userId,
      provider: target.provider,
      model: resolved.model,
      localEndpointId: target.localEndpointId ?? null,
      tokensIn: r.tokensIn,
      tokensOut: r.tokensOut,
      latencyMs: performance.now() - r.started,
      ttftMs: r.ttftMs,
      cacheHit: r.cacheHit,
      status: failed ? 'error' : 'ok',
      errorCode: failed ? (kind === 'timeout' ? 'provider_timeout' : 'provider_error') : null,
      apiKeyName: p.keyName,
    });
    if (target.localEndpointId && (!failed || ERROR_KINDS_OF_ENDPOINT.has(kind ?? '')))
      void deps.endpointHealth?.recordResult(target.localEndpointId, !failed);
  }

  async function prepare(p: KeyPrincipal, body: OpenAIChatBody, opts: ChatOptions) {
    const resolved = await resolve(p.userId, body.model);
    const { target } = resolved;
    const passThrough = target.adapter === 'openai-compatible';
    if (!passThrough) assertPlainChat(body, target.provider);
    const keyInput = opts.bypassCache
      ? null
      : cacheInput(
          body,
          p.userId,
          target.localEndpointId ? `${target.provider}:${target.localEndpointId}` : target.provider,
          resolved.model,
        );
    const prep: PreparedLookup | null = keyInput ? deps.cache.prepare(keyInput) : null;
    const hit = prep && keyInput ? await deps.cache.lookup(prep, keyInput.prompt) : null;
    // The provider gets the client's body as sent, with its own model id.
    const upstreamBody = (extra: Record<string, unknown>) =>
      JSON.stringify({ ...body, model: resolved.model, ...extra });
    return { resolved, passThrough, prep, prompt: keyInput?.prompt ?? '', hit, upstreamBody };
  }

  const remember = (
    prep: PreparedLookup | null,
    prompt: string,
    text: string,
    reason: string | null,
    u: { tokensIn: number; tokensOut: number },
  ) => {
    if (prep && reason === 'stop')
      void deps.cache.store(prep, prompt, {
        content: text,
        ...u,
        finishReason: 'stop',
        createdAt: Date.now(),
      });
  };

  return {
    /** A non-streamed completion, as JSON text. @throws not_found (model), validation_error, provider errors */
    async chatJson(p: KeyPrincipal, body: OpenAIChatBody, opts: ChatOptions): Promise<string> {
      const started = performance.now();
      const x = await prepare(p, body, opts);
      if (x.hit) {
        const { content, tokensIn, tokensOut } = x.hit.answer;
        record(p, x.resolved, { started, ttftMs: 0, tokensIn, tokensOut, cacheHit: true });
        return completionJson(completionId(), body.model, content, 'stop', { tokensIn, tokensOut });
      }
      try {
        if (x.passThrough) {
          const text = await proxyJson(proxyDeps, {
            target: x.resolved.target,
            body: x.upstreamBody({ stream: false }),
            signal: opts.signal,
          });
          const usage = usageIn(text);
          record(p, x.resolved, { started, ttftMs: null, ...usage, cacheHit: false });
          if (x.prep) {
            const j = JSON.parse(text) as {
              choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
            };
            const c = j.choices?.[0];
            if (typeof c?.message?.content === 'string')
              remember(
                x.prep,
                x.prompt,
                c.message.content,
                typeof c.finish_reason === 'string' ? c.finish_reason : null,
                usage,
              );
          }
          return text;
        }
        const out = await runAdapterChat(
          deps.createProvider(x.resolved.target, timeouts),
          x.resolved,
          body,
          opts.signal,
          null,
        );
        record(p, x.resolved, { started, ttftMs: out.ttftMs, ...out.usage, cacheHit: false });
        remember(x.prep, x.prompt, out.text, out.finishReason, out.usage);
        return completionJson(completionId(), body.model, out.text, out.finishReason, out.usage);
      } catch (err) {
        record(p, x.resolved, {
          started,
          ttftMs: null,
          tokensIn: 0,
          tokensOut: 0,
          cacheHit: false,
          error: err,
        });
        throw providerFailure(err);
      }
    },

    /**
     * A streamed completion written to `out`. Failures before the first byte are thrown (an error response);
     * after it they end the stream with OpenAI's in-stream error event.
     */
    async chatStream(
      p: KeyPrincipal,
      body: OpenAIChatBody,
      out: ChatOutput,
      opts: ChatOptions,
    ): Promise<void> {
      const started = performance.now();
      const x = await prepare(p, body, opts);
      const includeUsage = body.stream_options?.include_usage === true;
      if (x.hit) {
        const { content, tokensIn, tokensOut } = x.hit.answer;
        record(p, x.resolved, { started, ttftMs: 0, tokensIn, tokensOut, cacheHit: true });
        const w = chunkWriter(completionId(), body.model);
        out.start();
        out.write(
          w.role() +
            w.delta(content) +
            w.finish('stop') +
            (includeUsage ? w.usage({ tokensIn, tokensOut }) : '') +
            DONE,
        );
        out.end();
        return;
      }
      let opened = false;
      const sink = {
        start: () => {
          opened = true;
          out.start();
        },
        write: (t: string) => out.write(t),
      };
      try {
        if (x.passThrough) {
          const r = await proxyStream(
            proxyDeps,
            {
              target: x.resolved.target,
              body: x.upstreamBody({
                stream: true,
                stream_options: { ...body.stream_options, include_usage: true },
              }),
              signal: opts.signal,
            },
            sink,
            { hideUsage: !includeUsage, collect: x.prep !== null },
          );
          const usage = r.usage ?? { tokensIn: 0, tokensOut: 0 };
          record(p, x.resolved, { started, ttftMs: r.ttftMs, ...usage, cacheHit: false });
          remember(x.prep, x.prompt, r.text, r.finishReason, usage);
        } else {
          const r = await runAdapterChat(
            deps.createProvider(x.resolved.target, timeouts),
            x.resolved,
            body,
            opts.signal,
            {
              writer: chunkWriter(completionId(), body.model),
              sink,
              includeUsage,
            },
          );
          record(p, x.resolved, { started, ttftMs: r.ttftMs, ...r.usage, cacheHit: false });
          remember(x.prep, x.prompt, r.text, r.finishReason, r.usage);
        }
        out.end();
      } catch (err) {
        record(p, x.resolved, {
          started,
          ttftMs: null,
          tokensIn: 0,
          tokensOut: 0,
          cacheHit: false,
          error: err,
        });
        if (!opened) throw providerFailure(err);
        const failure = providerFailure(err);
        const message = failure instanceof Error ? failure.message : 'The model provider failed';
        out.write(
          streamErrorEvent(
            message,
            'server_error',
            failure instanceof AppError ? failure.code : 'provider_error',
          ),
        );
        out.end();
      }
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
