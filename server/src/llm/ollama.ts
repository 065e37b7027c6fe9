/** Ollama's native API: /api/chat (NDJSON stream), /api/tags, /api/embed. */
import { ollamaCapabilities } from './capabilities.js';
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
import {
  type ChatEvent,
  type ChatRequest,
  type LlmProvider,
  type ModelInfo,
  ProviderError,
} from './types.js';
import { toOllamaMessages } from './wire-images.js';

/** Ollama needs no key; a proxy in front of it may (`apiKey`, sent as a bearer token). */
export type OllamaOptions = AdapterOptions;

export function ollamaOptions(req: ChatRequest): JsonObject | undefined {
  const p = req.params;
  if (!p) return undefined;
  const o: JsonObject = {};
  if (p.temperature !== undefined) o.temperature = p.temperature;
  if (p.top_p !== undefined) o.top_p = p.top_p;
  if (p.max_tokens !== undefined) o.num_predict = p.max_tokens;
  if (p.frequency_penalty !== undefined) o.frequency_penalty = p.frequency_penalty;
  if (p.presence_penalty !== undefined) o.presence_penalty = p.presence_penalty;
  return Object.keys(o).length ? o : undefined;
}

export class OllamaProvider implements LlmProvider {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly o: OllamaOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json' };
    if (o.apiKey) this.headers.authorization = `Bearer ${o.apiKey}`;
  }

  async *streamChat(req: ChatRequest): AsyncIterable<ChatEvent> {
    const url = `${this.base}/api/chat`;
    const call = new UpstreamCall(url, callOptions(this.o, req.signal));
    const body = JSON.stringify({
      model: req.model,
      messages: toOllamaMessages(req.messages),
      stream: true,
      options: ollamaOptions(req),
    });
    const t = this.o.timeouts;
    try {
      // Ollama sends headers only once the model is loaded, which can take longer than a connect.
      await call.send(
        url,
        { method: 'POST', headers: this.headers, body },
        'stream',
        Math.max(t.connectTimeoutMs, t.firstTokenTimeoutMs),
      );
      let buf = '';
      let last: JsonObject | undefined;
      while (!last) {
        const text = await call.readText();
        if (text === null) break;
        buf += text;
        let nl = buf.indexOf('\n');
        while (nl !== -1 && !last) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          nl = buf.indexOf('\n');
          if (line === '') continue;
          const msg = parseJson(line);
          if (!isObject(msg)) throw new ProviderError('malformed', 'provider sent a non-object line');
          if (msg.error !== undefined) {
            const text = asString(msg.error) ?? JSON.stringify(msg.error);
            throw midStreamError('upstream', text, this.o.apiKey);
          }
          const content = isObject(msg.message) ? msg.message.content : undefined;
          if (typeof content === 'string' && content !== '') {
            call.gotToken();
            yield { type: 'delta', content };
          }
          if (msg.done === true) {
            last = msg;
            call.completed();
          }
        }
      }
      // A final line without a trailing newline still counts.
      if (!last && buf.trim() !== '') {
        const msg = parseJson(buf.trim());
        if (isObject(msg) && msg.done === true) last = msg;
      }
      if (!last) throw new ProviderError('upstream', 'stream ended before done');
      yield {
        type: 'done',
        finishReason: asString(last.done_reason) ?? 'stop',
        usage: { tokensIn: asNumber(last.prompt_eval_count), tokensOut: asNumber(last.eval_count) },
      };
    } catch (err) {
      yield call.streamEnd(err);
    } finally {
      call.close();
    }
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const j = await requestJson(
      `${this.base}/api/tags`,
      { headers: this.headers },
      callOptions(this.o, signal),
    );
    if (!isObject(j) || !Array.isArray(j.models))
      throw new ProviderError('malformed', 'tags without `models`');
    const models: ModelInfo[] = [];
    for (const m of j.models) {
      const id = isObject(m) ? (asString(m.model) ?? asString(m.name)) : undefined;
      if (!id || !isObject(m)) continue;
      const d = isObject(m.details) ? m.details : {};
      const families = Array.isArray(d.families) ? d.families : [d.family];
      const isEmbedding = id.includes('embed') || families.some((f) => f === 'bert' || f === 'nomic-bert');
      models.push({
        id,
        name: asString(m.name) ?? id,
        kind: isEmbedding ? 'embedding' : 'chat',
        owned_by: 'ollama',
        capabilities: ollamaCapabilities(m, families),
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
    const j = await requestJson(`${this.base}/api/embed`, init, callOptions(this.o, signal));
    if (!isObject(j) || !Array.isArray(j.embeddings) || j.embeddings.length !== input.length) {
      throw new ProviderError('malformed', `expected ${input.length} embeddings`);
    }
    return j.embeddings.map((v: unknown) => {
      if (!Array.isArray(v)) throw new ProviderError('malformed', 'embedding is not an array');
      return v.filter((x: unknown): x is number => typeof x === 'number');
    });
  }
}
