/**
 * OpenAI Chat Completions over undici + the shared SSE reader (sse-reader.ts): OpenAI, Groq, OpenRouter, vLLM,
 * LM Studio, llama.cpp server and any other server speaking the same wire format.
 */

import { openAICapabilities } from './capabilities.js';
import {
  type AdapterOptions,
  asNumber,
  asString,
  callOptions,
  isObject,
  type JsonObject,
  midStreamError,
  parseJson,
  requestJson,
  UpstreamCall,
  type UpstreamInit,
} from './http.js';
import { SseReader } from './sse-reader.js';
import {
  type ChatEvent,
  type ChatRequest,
  type LlmProvider,
  type ModelInfo,
  ProviderError,
} from './types.js';
import { toOpenAIMessages } from './wire-images.js';

export interface OpenAICompatibleOptions extends AdapterOptions {
  /** OpenAI itself wants `max_completion_tokens` (reasoning models reject `max_tokens`); others want `max_tokens`. */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

type Usage = { tokensIn?: number; tokensOut?: number };

function readUsage(u: unknown): Usage | undefined {
  if (!isObject(u)) return undefined;
  return { tokensIn: asNumber(u.prompt_tokens), tokensOut: asNumber(u.completion_tokens) };
}

/** Guesses the model kind from its id: the /models list does not say. */
export function guessKind(id: string): ModelInfo['kind'] {
  const s = id.toLowerCase();
  if (s.includes('embed')) return 'embedding';
  if (/dall-e|gpt-image|image|flux|stable-diffusion|sdxl/.test(s)) return 'image';
  return 'chat';
}

export class OpenAICompatibleProvider implements LlmProvider {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly o: OpenAICompatibleOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json' };
    if (o.apiKey) this.headers.authorization = `Bearer ${o.apiKey}`;
  }

  private body(req: ChatRequest): string {
    const p = req.params ?? {};
    const body: JsonObject = {
      model: req.model,
      messages: toOpenAIMessages(req.messages),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (p.temperature !== undefined) body.temperature = p.temperature;
    if (p.top_p !== undefined) body.top_p = p.top_p;
    if (p.max_tokens !== undefined) body[this.o.maxTokensField ?? 'max_tokens'] = p.max_tokens;
    if (p.frequency_penalty !== undefined) body.frequency_penalty = p.frequency_penalty;
    if (p.presence_penalty !== undefined) body.presence_penalty = p.presence_penalty;
    return JSON.stringify(body);
  }

  async *streamChat(req: ChatRequest): AsyncIterable<ChatEvent> {
    const url = `${this.base}/chat/completions`;
    const call = new UpstreamCall(url, callOptions(this.o, req.signal));
    try {
      const res = await call.send(
        url,
        { method: 'POST', headers: this.headers, body: this.body(req) },
        'stream',
      );
      if (res.contentType.includes('application/json')) {
        // Some servers ignore `stream: true` and answer with one completion.
        yield* completionEvents(await call.readJson(), call);
        return;
      }
      const events = new SseReader(call);
      let finishReason: string | undefined;
      let usage: Usage | undefined;
      let sawDone = false;
      // Stop at [DONE] without waiting for the server to close the connection.
      while (!sawDone) {
        const batch = await events.next();
        if (batch === null) break;
        for (const data of batch) {
          if (data === '[DONE]') {
            sawDone = true;
            call.completed();
            break;
          }
          const chunk = parseJson(data);
          if (!isObject(chunk)) throw new ProviderError('malformed', 'provider sent a non-object chunk');
          if (chunk.error !== undefined) throw streamError(chunk.error, this.o.apiKey);
          const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
          if (isObject(choice)) {
            const content = isObject(choice.delta) ? choice.delta.content : undefined;
            if (typeof content === 'string' && content !== '') {
              call.gotToken();
              yield { type: 'delta', content };
            }
            finishReason = asString(choice.finish_reason) ?? finishReason;
          }
          // Groq reports usage under x_groq on the last chunk.
          usage =
            readUsage(chunk.usage) ??
            (isObject(chunk.x_groq) ? readUsage(chunk.x_groq.usage) : undefined) ??
            usage;
        }
      }
      if (!sawDone && finishReason === undefined) {
        throw new ProviderError('upstream', 'stream ended before the answer was complete');
      }
      yield { type: 'done', finishReason: finishReason ?? 'stop', usage };
    } catch (err) {
      yield call.streamEnd(err);
    } finally {
      call.close();
    }
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const j = await requestJson(
      `${this.base}/models`,
      { headers: this.headers },
      callOptions(this.o, signal),
    );
    const data = isObject(j) && Array.isArray(j.data) ? j.data : Array.isArray(j) ? j : undefined;
    if (!data) throw new ProviderError('malformed', 'model list without `data`');
    const models: ModelInfo[] = [];
    for (const m of data) {
      const id = isObject(m) ? asString(m.id) : undefined;
      if (!id || !isObject(m)) continue;
      models.push({
        id,
        name: asString(m.name) ?? id,
        kind: guessKind(id),
        context_length: asNumber(m.context_length) ?? asNumber(m.context_window),
        owned_by: asString(m.owned_by),
        capabilities: openAICapabilities(m),
      });
    }
    return models;
  }

  async embed(input: string[], model: string, signal?: AbortSignal): Promise<number[][]> {
    const init: UpstreamInit = {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify({ model, input }),
    };
    const j = await requestJson(`${this.base}/embeddings`, init, callOptions(this.o, signal));
    if (!isObject(j) || !Array.isArray(j.data))
      throw new ProviderError('malformed', 'embeddings without `data`');
    const out: number[][] = new Array(input.length);
    j.data.forEach((d: unknown, i: number) => {
      if (!isObject(d) || !Array.isArray(d.embedding))
        throw new ProviderError('malformed', 'embedding missing');
      out[asNumber(d.index) ?? i] = d.embedding.filter((x: unknown): x is number => typeof x === 'number');
    });
    for (let i = 0; i < Math.max(input.length, out.length); i++) {
      if (out[i] === undefined || out.length !== input.length)
        throw new ProviderError('malformed', `expected ${input.length} embeddings`);
    }
    return out;
  }
}

/** An in-stream `{"error": …}` (OpenRouter, vLLM) ends the stream as an upstream failure. */
function streamError(e: unknown, secret: string | null): ProviderError {
  const msg = isObject(e) ? (asString(e.message) ?? 'error') : (asString(e) ?? 'error');
  const code = isObject(e) ? asNumber(e.code) : undefined;
  const kind = code === 429 ? 'rate_limited' : code === 401 || code === 403 ? 'auth' : 'upstream';
  return midStreamError(kind, msg, secret, code);
}

function* completionEvents(j: unknown, call: UpstreamCall): Generator<ChatEvent> {
  const choice = isObject(j) && Array.isArray(j.choices) ? j.choices[0] : undefined;
  const message = isObject(choice) ? choice.message : undefined;
  const content = isObject(message) ? asString(message.content) : undefined;
  if (!isObject(j) || content === undefined || !isObject(choice)) {
    throw new ProviderError('malformed', 'completion without a message');
  }
  if (content !== '') {
    call.gotToken();
    yield { type: 'delta', content };
  }
  yield { type: 'done', finishReason: asString(choice.finish_reason) ?? 'stop', usage: readUsage(j.usage) };
}
