/** Anthropic Messages API with its typed event stream, over undici + the shared SSE reader (sse-reader.ts). */

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
} from './http.js';
import { SseReader } from './sse-reader.js';
import type { ChatEvent, ChatMessage, ChatRequest, LlmProvider, ModelInfo } from './types.js';
import { ProviderError, type ProviderErrorKind } from './types.js';
import { toAnthropicContent } from './wire-images.js';

export const ANTHROPIC_VERSION = '2023-06-01';
/** The Messages API requires max_tokens; this is used when the model configuration sets none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

export type AnthropicOptions = AdapterOptions;

const STOP_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
};

const ERROR_KINDS: Record<string, ProviderErrorKind> = {
  authentication_error: 'auth',
  permission_error: 'auth',
  rate_limit_error: 'rate_limited',
  invalid_request_error: 'bad_request',
  not_found_error: 'bad_request',
  request_too_large: 'bad_request',
};

/**
 * System messages become the top-level `system`; consecutive turns of one role are merged because the
 * API wants user/assistant to alternate.
 */
export function toAnthropicMessages(messages: ChatMessage[]): { system?: string; messages: JsonObject[] } {
  const system: string[] = [];
  const out: { role: string; content: string | JsonObject[] }[] = [];
  const blocks = (c: string | JsonObject[]): JsonObject[] =>
    typeof c === 'string' ? [{ type: 'text', text: c }] : c;
  for (const m of messages) {
    if (m.role === 'system') system.push(m.content);
    else {
      const last = out[out.length - 1];
      const content = toAnthropicContent(m);
      if (!last || last.role !== m.role) out.push({ role: m.role, content });
      else if (typeof last.content === 'string' && typeof content === 'string')
        last.content += `\n\n${content}`;
      else last.content = [...blocks(last.content), ...blocks(content)];
    }
  }
  return { system: system.length ? system.join('\n\n') : undefined, messages: out };
}

export class AnthropicProvider implements LlmProvider {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly o: AnthropicOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION };
    if (o.apiKey) this.headers['x-api-key'] = o.apiKey;
  }

  private body(req: ChatRequest): string {
    const p = req.params ?? {};
    const { system, messages } = toAnthropicMessages(req.messages);
    const body: JsonObject = {
      model: req.model,
      messages,
      max_tokens: p.max_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      stream: true,
    };
    if (system !== undefined) body.system = system;
    // Anthropic's temperature range is 0..1; penalties do not exist there.
    if (p.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, p.temperature));
    if (p.top_p !== undefined) body.top_p = p.top_p;
    return JSON.stringify(body);
  }

  async *streamChat(req: ChatRequest): AsyncIterable<ChatEvent> {
    const url = `${this.base}/messages`;
    const call = new UpstreamCall(url, callOptions(this.o, req.signal));
    try {
      await call.send(url, { method: 'POST', headers: this.headers, body: this.body(req) }, 'stream');
      const events = new SseReader(call);
      let tokensIn: number | undefined;
      let tokensOut: number | undefined;
      let stopReason: string | undefined;
      let stopped = false;
      while (!stopped) {
        const batch = await events.next();
        if (batch === null) break;
        for (const data of batch) {
          const ev = parseJson(data);
          if (!isObject(ev)) throw new ProviderError('malformed', 'provider sent a non-object event');
          switch (ev.type) {
            case 'content_block_delta': {
              const d = ev.delta;
              if (isObject(d) && d.type === 'text_delta' && typeof d.text === 'string' && d.text !== '') {
                call.gotToken();
                yield { type: 'delta', content: d.text };
              }
              break;
            }
            case 'message_start': {
              const u = isObject(ev.message) ? ev.message.usage : undefined;
              if (isObject(u)) {
                tokensIn = asNumber(u.input_tokens);
                tokensOut = asNumber(u.output_tokens);
              }
              break;
            }
            case 'message_delta': {
              if (isObject(ev.delta)) stopReason = asString(ev.delta.stop_reason) ?? stopReason;
              if (isObject(ev.usage)) {
                tokensOut = asNumber(ev.usage.output_tokens) ?? tokensOut;
                tokensIn = asNumber(ev.usage.input_tokens) ?? tokensIn;
              }
              break;
            }
            case 'message_stop':
              stopped = true;
              call.completed();
              break;
            case 'error':
              throw eventError(ev.error, this.o.apiKey);
          }
          if (stopped) break;
        }
      }
      if (!stopped) throw new ProviderError('upstream', 'stream ended before message_stop');
      const finishReason = stopReason ? (STOP_REASONS[stopReason] ?? stopReason) : 'stop';
      yield { type: 'done', finishReason, usage: { tokensIn, tokensOut } };
    } catch (err) {
      yield call.streamEnd(err);
    } finally {
      call.close();
    }
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const j = await requestJson(
      `${this.base}/models?limit=1000`,
      { headers: this.headers },
      callOptions(this.o, signal),
    );
    if (!isObject(j) || !Array.isArray(j.data))
      throw new ProviderError('malformed', 'model list without `data`');
    const models: ModelInfo[] = [];
    for (const m of j.data) {
      const id = isObject(m) ? asString(m.id) : undefined;
      if (!id || !isObject(m)) continue;
      models.push({ id, name: asString(m.display_name) ?? id, kind: 'chat', owned_by: 'anthropic' });
    }
    return models;
  }
}

function eventError(e: unknown, secret: string | null): ProviderError {
  const type = isObject(e) ? asString(e.type) : undefined;
  const msg = (isObject(e) ? asString(e.message) : undefined) ?? type ?? 'error';
  return midStreamError(ERROR_KINDS[type ?? ''] ?? 'upstream', msg, secret);
}
