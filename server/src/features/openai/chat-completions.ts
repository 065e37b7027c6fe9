/**
 * POST /chat/completions once its model is resolved: from the answer cache, passed through to an
 * OpenAI-compatible provider, or through another provider's adapter; JSON or SSE.
 */
import type { OpenAIChatBody } from '@pocketllm/contracts';
import type { CacheHit } from '../../answer-cache/answer-cache.js';
import { AppError } from '../../errors.js';
import type { LlmProvider, ProviderTarget } from '../../llm/types.js';
import { type FailoverPlan, withFailover } from '../chats/pipeline/failover.js';
import { runAdapterChat } from './adapter-chat.js';
import type { ChatCall, Outcomes } from './chat-outcome.js';
import { providerFailure } from './openai-errors.js';
import { chunkWriter, completionId, completionJson, DONE, streamErrorEvent } from './openai-format.js';
import { type ProxyDeps, proxyJson, proxyStream, usageIn } from './upstream-proxy.js';

/** A resolved request, ready to answer. */
export interface PreparedChat {
  call: ChatCall;
  body: OpenAIChatBody;
  passThrough: boolean;
  hit: CacheHit | null;
  /** The provider for the adapter path (over the user's endpoints when the target is a local one). */
  llm: () => LlmProvider;
  /** A local endpoint's failover for the pass-through path; null for every other target. */
  failover: FailoverPlan | null;
  /** The provider's request body: the client's, with the provider's model id. */
  upstreamBody: (extra: Record<string, unknown>) => string;
}

/** Where a streamed answer goes: `start` opens the response (nothing is sent before the provider answers). */
export interface ChatOutput {
  start(): void;
  write(text: string): void;
  end(): void;
}

type Choice = { message?: { content?: unknown }; finish_reason?: unknown };

/** The answer's text and finish reason from a provider's JSON (read only when the cache or a chat needs it). */
function choiceOf(text: string): { content: string; finishReason: string | null } {
  const c = (JSON.parse(text) as { choices?: Choice[] }).choices?.[0];
  return {
    content: typeof c?.message?.content === 'string' ? c.message.content : '',
    finishReason: typeof c?.finish_reason === 'string' ? c.finish_reason : null,
  };
}

function failureOf(err: unknown): { failure: unknown; message: string; code: string } {
  const failure = providerFailure(err);
  const message = failure instanceof Error ? failure.message : 'The model provider failed';
  return { failure, message, code: failure instanceof AppError ? failure.code : 'provider_error' };
}

/** `attempt` on the resolved target, or, for a local endpoint, on the next ones while it fails before `said()`. */
const onTarget = <T>(
  x: PreparedChat,
  attempt: (target: ProviderTarget) => Promise<T>,
  said: () => boolean,
  signal: AbortSignal,
): Promise<T> =>
  x.failover
    ? withFailover(x.failover, x.call.resolved.target, attempt, said, signal)
    : attempt(x.call.resolved.target);

export function createCompletions(deps: { proxy: ProxyDeps; outcomes: Outcomes }) {
  const { proxy, outcomes } = deps;

  /** A cached answer: recorded like a call that answered at once, then given back. */
  const servedFromCache = async (call: PreparedChat['call'], hit: NonNullable<PreparedChat['hit']>) => {
    const { content, tokensIn, tokensOut } = hit.answer;
    const usage = { tokensIn, tokensOut };
    await outcomes.succeeded(call, { text: content, finishReason: 'stop', usage, ttftMs: 0, cacheHit: true });
    return { content, usage };
  };

  return {
    /** @throws validation_error, provider errors (as AppError) */
    async json(x: PreparedChat, signal: AbortSignal): Promise<string> {
      const { call, body } = x;
      if (x.hit) {
        const { content, usage } = await servedFromCache(call, x.hit);
        return completionJson(completionId(), body.model, content, 'stop', usage);
      }
      try {
        if (x.passThrough) {
          const body = x.upstreamBody({ stream: false });
          const progress = { said: false };
          const text = await onTarget(
            x,
            (target) => proxyJson(proxy, { target, body, signal, progress }),
            () => progress.said,
            signal,
          );
          const usage = usageIn(text);
          const read = call.prep || call.turn ? choiceOf(text) : { content: '', finishReason: null };
          await outcomes.succeeded(call, {
            text: read.content,
            finishReason: read.finishReason,
            usage,
            ttftMs: null,
            cacheHit: false,
          });
          return text;
        }
        const out = await runAdapterChat(x.llm(), call.resolved, body, signal, null);
        await outcomes.succeeded(call, { ...out, cacheHit: false });
        return completionJson(completionId(), body.model, out.text, out.finishReason, out.usage);
      } catch (err) {
        const f = failureOf(err);
        await outcomes.failed(call, err, f.message, f.code);
        throw f.failure;
      }
    },

    /** Failures before the first byte are thrown (an error response); after it, OpenAI's in-stream error event. */
    async stream(x: PreparedChat, out: ChatOutput, signal: AbortSignal): Promise<void> {
      const { call, body } = x;
      const includeUsage = body.stream_options?.include_usage === true;
      if (x.hit) {
        const { content, usage } = await servedFromCache(call, x.hit);
        const w = chunkWriter(completionId(), body.model);
        out.start();
        out.write(
          w.role() + w.delta(content) + w.finish('stop') + (includeUsage ? w.usage(usage) : '') + DONE,
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
          const upstream = x.upstreamBody({
            stream: true,
            stream_options: { ...body.stream_options, include_usage: true },
          });
          const opts = { hideUsage: !includeUsage, collect: call.prep !== null || call.turn !== null };
          const r = await onTarget(
            x,
            (target) => proxyStream(proxy, { target, body: upstream, signal }, sink, opts),
            () => opened,
            signal,
          );
          const usage = r.usage ?? { tokensIn: 0, tokensOut: 0 };
          await outcomes.succeeded(call, {
            text: r.text,
            finishReason: r.finishReason,
            usage,
            ttftMs: r.ttftMs,
            cacheHit: false,
          });
        } else {
          const writer = chunkWriter(completionId(), body.model);
          const r = await runAdapterChat(x.llm(), call.resolved, body, signal, {
            writer,
            sink,
            includeUsage,
          });
          await outcomes.succeeded(call, { ...r, cacheHit: false });
        }
        out.end();
      } catch (err) {
        const f = failureOf(err);
        await outcomes.failed(call, err, f.message, f.code);
        if (!opened) throw f.failure;
        out.write(streamErrorEvent(f.message, 'server_error', f.code));
        out.end();
      }
    },
  };
}
