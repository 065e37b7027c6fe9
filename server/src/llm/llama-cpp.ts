/**
 * GGUF models run in process through node-llama-cpp. The target's `baseUrl` is the model file's absolute
 * path (resolved by the gguf service from a model id, inside MODELS_DIR only). The model's own chat
 * template is applied by LlamaChatSession; generation waits its turn on the model (see GgufModelManager).
 */
import path from 'node:path';
import type { ChatHistoryItem } from 'node-llama-cpp';
import { ABORTED, hidePaths } from './http.js';
import type { GgufModelManager, ModelLease } from './llama-runtime/model-manager.js';
import { ggufKind, loadNodeLlamaCpp } from './llama-runtime/validate.js';
import {
  type ChatEvent,
  type ChatMessage,
  type ChatRequest,
  type FinishReason,
  type LlmProvider,
  type ModelInfo,
  ProviderError,
  type ProviderTarget,
} from './types.js';
import { refusePictures } from './wire-images.js';

/** The model id of a GGUF file: its name without the extension. */
export const ggufModelId = (file: string): string => path.basename(file).replace(/\.gguf$/i, '');

type StopReason =
  | 'abort'
  | 'maxTokens'
  | 'eogToken'
  | 'stopGenerationTrigger'
  | 'functionCalls'
  | 'customStopTrigger';
const FINISH: Record<StopReason, FinishReason> = {
  abort: 'aborted',
  maxTokens: 'length',
  eogToken: 'stop',
  stopGenerationTrigger: 'stop',
  customStopTrigger: 'stop',
  functionCalls: 'stop',
};

/** Earlier turns become the session's history; the last user message is the prompt. */
function toSession(messages: ChatMessage[]): { history: ChatHistoryItem[]; prompt: string } {
  const last = messages.at(-1);
  const prompt = last?.role === 'user' ? last.content : '';
  const earlier = last?.role === 'user' ? messages.slice(0, -1) : messages;
  const history = earlier.map((m): ChatHistoryItem => {
    if (m.role === 'system') return { type: 'system', text: m.content };
    if (m.role === 'user') return { type: 'user', text: m.content };
    return { type: 'model', response: [m.content] };
  });
  return { history, prompt };
}

interface Outcome {
  finishReason: FinishReason;
  tokensIn: number;
  tokensOut: number;
}

export class LlamaCppProvider implements LlmProvider {
  private readonly file: string;

  /** @throws ProviderError('bad_request') when the target is not a .gguf file inside an allowed models folder */
  constructor(
    target: Pick<ProviderTarget, 'baseUrl'>,
    private readonly manager: GgufModelManager,
  ) {
    this.file = path.resolve(target.baseUrl);
    if (!/\.gguf$/i.test(this.file) || !manager.isAllowed(this.file)) {
      throw new ProviderError(
        'bad_request',
        `${path.basename(this.file)} is not a model in the models folder`,
        400,
      );
    }
  }

  async listModels(): Promise<ModelInfo[]> {
    const header = await this.manager.header(this.file);
    const id = ggufModelId(this.file);
    return [
      {
        id,
        name: header.name ?? id,
        kind: ggufKind(header.architecture),
        context_length: header.contextLength,
        owned_by: 'server',
      },
    ];
  }

  /**
   * One vector per input, from the model's embedding context (llama.cpp pools the model's last hidden states:
   * an embedding model's GGUF gives its embeddings, a chat model's gives usable but weaker ones). Waits its
   * turn on the model like a generation. @throws ProviderError('bad_request') for an input longer than the context
   */
  async embed(input: string[], _model: string, signal?: AbortSignal): Promise<number[][]> {
    try {
      return await this.manager.withModel(this.file, signal, async (lease) => {
        const context = await lease.embeddingContext();
        const vectors: number[][] = [];
        for (const [i, text] of input.entries()) {
          signal?.throwIfAborted();
          const tokens = context.calculateInputLength(text);
          if (tokens > lease.context.contextSize) {
            throw new ProviderError(
              'bad_request',
              `input[${i}] is ${tokens} tokens, more than this model's context of ${lease.context.contextSize}`,
              400,
              { field: 'input' },
            );
          }
          vectors.push([...(await context.getEmbeddingFor(text)).vector]);
        }
        return vectors;
      });
    } catch (err) {
      // The caller's abort is rethrown as it came (as the HTTP adapters do).
      if (signal?.aborted) throw signal.reason;
      throw asProviderError(err);
    }
  }

  async *streamChat(req: ChatRequest): AsyncIterable<ChatEvent> {
    // The in-process runtime is text-only here: pictures are refused, never silently dropped.
    refusePictures(req.messages, 'A GGUF model run by PocketLLM');
    // An encoder-only model cannot generate: say so before loading it, not with llama.cpp's error after.
    if ((await this.manager.kindOf(this.file)) === 'embedding') {
      const name = path.basename(this.file);
      throw new ProviderError(
        'bad_request',
        `${name} is an embedding model: it answers embeddings, not chats`,
        400,
      );
    }
    // Ours aborts the generation when the consumer stops reading early; the caller's when it cancels.
    const stop = new AbortController();
    const signal = req.signal ? AbortSignal.any([req.signal, stop.signal]) : stop.signal;
    const chunks: string[] = [];
    let wake: (() => void) | null = null;
    const notify = () => {
      wake?.();
      wake = null;
    };
    let settled = false;
    let outcome: Outcome | undefined;
    let failure: unknown;
    const run = this.manager
      .withModel(this.file, signal, (lease) =>
        this.generate(lease, req, signal, (t) => {
          chunks.push(t);
          notify();
        }),
      )
      .then(
        (o) => {
          outcome = o;
        },
        (err: unknown) => {
          failure = err;
        },
      )
      .finally(() => {
        settled = true;
        notify();
      });
    try {
      while (true) {
        const next = chunks.shift();
        if (next !== undefined) yield { type: 'delta', content: next };
        else if (settled) break;
        else
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
      }
    } finally {
      stop.abort();
      await run;
    }
    if (req.signal?.aborted || outcome?.finishReason === 'aborted') {
      if (!outcome) return yield ABORTED;
      const usage = { tokensIn: outcome.tokensIn, tokensOut: outcome.tokensOut };
      return yield { type: 'done', finishReason: 'aborted', usage };
    }
    if (failure !== undefined || !outcome) throw asProviderError(failure);
    yield {
      type: 'done',
      finishReason: outcome.finishReason,
      usage: { tokensIn: outcome.tokensIn, tokensOut: outcome.tokensOut },
    };
  }

  private async generate(
    lease: ModelLease,
    req: ChatRequest,
    signal: AbortSignal,
    onText: (text: string) => void,
  ): Promise<Outcome> {
    const { LlamaChatSession } = await loadNodeLlamaCpp();
    const sequence = lease.context.getSequence();
    try {
      const session = new LlamaChatSession({
        contextSequence: sequence,
        chatWrapper: lease.chatWrapper,
        autoDisposeSequence: false,
      });
      const { history, prompt } = toSession(req.messages);
      if (history.length) session.setChatHistory([...history]);
      const before = sequence.tokenMeter.getState();
      const p = req.params ?? {};
      const res = await session.promptWithMeta(prompt, {
        maxTokens: p.max_tokens,
        temperature: p.temperature,
        topP: p.top_p,
        signal,
        stopOnAbortSignal: true,
        onTextChunk: onText,
      });
      const used = sequence.tokenMeter.diff(before);
      session.dispose({ disposeSequence: false });
      return {
        finishReason: FINISH[res.stopReason] ?? 'stop',
        tokensIn: used.usedInputTokens,
        tokensOut: used.usedOutputTokens,
      };
    } finally {
      await sequence.dispose();
    }
  }
}

function asProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new ProviderError('upstream', `local model failed: ${hidePaths(msg)}`, 502, { cause: err });
}
