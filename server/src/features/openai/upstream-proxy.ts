/**
 * An OpenAI-compatible provider's answer passed through as it came: JSON bytes as they are, SSE events
 * forwarded whole (only the usage chunk we asked for on the client's behalf is held back). Connections come
 * from the same undici pool and URL policy as every adapter call (llm/http.ts UpstreamCall).
 */
import type { Dispatcher } from 'undici';
import { type DebugLogger, UpstreamCall } from '../../llm/http.js';
import { ProviderError, type ProviderTarget, type ProviderTimeouts } from '../../llm/types.js';
import { DONE, type Usage } from './openai-format.js';

export interface ProxyDeps {
  timeouts: ProviderTimeouts;
  dispatcher?: Dispatcher;
  logger?: DebugLogger;
}

export interface ProxyCall {
  target: ProviderTarget;
  /** The request body as the provider gets it (the client's, with the provider's model id). */
  body: string;
  signal: AbortSignal;
  /** Set once a byte of the answer has arrived (a local endpoint's failover stops there). */
  progress?: { said: boolean };
}

const headersOf = (target: ProviderTarget): Record<string, string> =>
  target.apiKey
    ? { 'content-type': 'application/json', authorization: `Bearer ${target.apiKey}` }
    : { 'content-type': 'application/json' };

const num = (text: string, field: string): number => {
  const at = text.lastIndexOf(`"${field}":`);
  if (at < 0) return 0;
  const n = Number.parseInt(text.slice(at + field.length + 3, at + field.length + 16), 10);
  return Number.isFinite(n) ? n : 0;
};

/** Token counts read from a usage object's text without parsing the whole answer. */
export const usageIn = (text: string): Usage => ({
  tokensIn: num(text, 'prompt_tokens'),
  tokensOut: num(text, 'completion_tokens'),
});

function open(deps: ProxyDeps, call: ProxyCall) {
  const url = `${call.target.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const upstream = new UpstreamCall(url, {
    timeouts: deps.timeouts,
    signal: call.signal,
    secret: call.target.apiKey,
    ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  return { url, upstream };
}

/** A non-streamed completion: the provider's JSON text. @throws ProviderError */
export async function proxyJson(deps: ProxyDeps, call: ProxyCall): Promise<string> {
  const { url, upstream } = open(deps, call);
  try {
    await upstream.send(url, { method: 'POST', headers: headersOf(call.target), body: call.body }, 'json');
    let text = '';
    for (let t = await upstream.readText(); t !== null; t = await upstream.readText()) {
      text += t;
      if (call.progress) call.progress.said = true;
    }
    return text;
  } catch (err) {
    return upstream.rethrow(err);
  } finally {
    upstream.close();
  }
}

export interface StreamSink {
  /** The first bytes are about to go out (headers can be written now); until then a retry is invisible. */
  start(): void;
  write(text: string): void;
}

export interface StreamResult {
  usage: Usage | null;
  finishReason: string | null;
  /** The answer's text, when `collect` asked for it (the answer cache keeps it). */
  text: string;
  ttftMs: number | null;
}

/**
 * A streamed completion: each upstream event is written to `sink` as it arrives (batched per network read).
 * `hideUsage` drops the usage-only chunk (asked for on the client's behalf, for the usage accounting).
 * Ends with exactly one `data: [DONE]`. @throws ProviderError (before or after the first bytes)
 */
export async function proxyStream(
  deps: ProxyDeps,
  call: ProxyCall,
  sink: StreamSink,
  opts: { hideUsage: boolean; collect: boolean },
): Promise<StreamResult> {
  const { url, upstream } = open(deps, call);
  const started = performance.now();
  const result: StreamResult = { usage: null, finishReason: null, text: '', ttftMs: null };
  try {
    await upstream.send(url, { method: 'POST', headers: headersOf(call.target), body: call.body }, 'stream');
    // The response opens with the first event, so a failure before it can still go elsewhere.
    let opened = false;
    const write = (text: string) => {
      if (!opened) {
        opened = true;
        sink.start();
      }
      sink.write(text);
    };
    let pending = '';
    let sawDone = false;
    while (!sawDone) {
      const piece = await upstream.readText();
      if (piece === null) break;
      upstream.gotToken();
      pending += piece.includes('\r') ? piece.replace(/\r\n?/g, '\n') : piece;
      let out = '';
      let from = 0;
      for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n', from)) {
        const event = pending.slice(from, end + 2);
        from = end + 2;
        if (event.startsWith('data: [DONE]') || event.startsWith('data:[DONE]')) {
          sawDone = true;
          break;
        }
        if (result.ttftMs === null) result.ttftMs = Math.round(performance.now() - started);
        if (event.includes('"usage":{')) {
          result.usage = usageIn(event);
          if (opts.hideUsage && event.includes('"choices":[]')) continue;
        }
        if (event.includes('"finish_reason":"')) {
          const at = event.indexOf('"finish_reason":"') + 17;
          result.finishReason = event.slice(at, event.indexOf('"', at));
        }
        if (opts.collect) result.text += contentOf(event);
        out += event;
      }
      pending = pending.slice(from);
      if (out) write(out);
    }
    if (!sawDone && result.finishReason === null)
      throw new ProviderError('upstream', 'stream ended before the answer was complete');
    // The answer is whole: what is left of the body (its end may come in a later packet) is read, not aborted,
    // so the connection is kept for the next call (UpstreamCall.close).
    upstream.completed();
    write(DONE);
    return result;
  } catch (err) {
    return upstream.rethrow(err);
  } finally {
    upstream.close();
  }
}

/** The text of one chunk's delta (only read when the answer cache wants the text). */
function contentOf(event: string): string {
  const data = event.startsWith('data: ') ? event.slice(6) : event.slice(5);
  try {
    const chunk = JSON.parse(data) as { choices?: { delta?: { content?: unknown } }[] };
    const content = chunk.choices?.[0]?.delta?.content;
    return typeof content === 'string' ? content : '';
  } catch {
    return '';
  }
}
