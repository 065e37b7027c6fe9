import type { OpenAIChatBody } from '@pocketllm/contracts';
import type { LlmProvider } from '../../llm/types.js';
import type { ResolvedModel } from '../chats/pipeline/resolve-target.js';
import { chatMessagesOf, paramsOf } from './chat-input.js';
import { type chunkWriter, DONE, type Usage } from './openai-format.js';
import type { StreamSink } from './upstream-proxy.js';

export interface AdapterResult {
  text: string;
  finishReason: string;
  usage: Usage;
  ttftMs: number | null;
}

/**
 * A chat through a provider's adapter (Anthropic, Ollama, GGUF), the answer collected or, with `stream`,
 * written as OpenAI chunks as it comes: the role chunk, one chunk per delta, the finish chunk, the usage
 * chunk when asked, `[DONE]`. @throws ProviderError, validation_error (content the adapter cannot take)
 */
export async function runAdapterChat(
  llm: LlmProvider,
  resolved: ResolvedModel,
  body: OpenAIChatBody,
  signal: AbortSignal,
  stream: { writer: ReturnType<typeof chunkWriter>; sink: StreamSink; includeUsage: boolean } | null,
): Promise<AdapterResult> {
  const messages = chatMessagesOf(body);
  const params = { ...resolved.params, ...paramsOf(body) };
  const started = performance.now();
  const result: AdapterResult = {
    text: '',
    finishReason: 'stop',
    usage: { tokensIn: 0, tokensOut: 0 },
    ttftMs: null,
  };
  for await (const e of llm.streamChat({ model: resolved.model, messages, params, signal })) {
    if (e.type === 'delta') {
      // An empty delta opens nothing: until text comes, a local endpoint's failover can still move on.
      if (!e.content) continue;
      if (result.ttftMs === null) {
        result.ttftMs = Math.round(performance.now() - started);
        if (stream) {
          stream.sink.start();
          stream.sink.write(stream.writer.role());
        }
      }
      result.text += e.content;
      stream?.sink.write(stream.writer.delta(e.content));
      continue;
    }
    result.finishReason = e.finishReason;
    result.usage = {
      tokensIn: e.usage?.tokensIn ?? 0,
      tokensOut: e.usage?.tokensOut ?? Math.ceil(result.text.length / 4),
    };
  }
  if (result.finishReason === 'aborted') return result;
  if (stream) {
    if (result.ttftMs === null) {
      stream.sink.start();
      stream.sink.write(stream.writer.role());
    }
    const { writer } = stream;
    stream.sink.write(
      writer.finish(result.finishReason) + (stream.includeUsage ? writer.usage(result.usage) : '') + DONE,
    );
  }
  return result;
}
