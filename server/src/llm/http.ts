/**
 * What every HTTP adapter shares: one upstream call with its timeouts (connect, first token, idle),
 * the caller's AbortSignal, HTTP status → ProviderError kind, and short upstream messages that never
 * carry the API key or request headers.
 */
import { STATUS_CODES } from 'node:http';
import { type Dispatcher, request } from 'undici';
import { type ChatEvent, ProviderError, type ProviderErrorKind, type ProviderTimeouts } from './types.js';

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const asNumber = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** The one `done` an aborted stream ends with (the caller cancelled: not an error). */
export const ABORTED: ChatEvent = { type: 'done', finishReason: 'aborted' };

export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'upstream';
  return 'bad_request';
}

// Secret shapes masked in anything an upstream sends back, in case it echoes a key other than the one we sent:
// provider keys (OpenAI, Groq, xAI, Anthropic, Google), bearer/basic credentials, JWTs, credentials in a URL,
// and secret-looking query parameters.
const SECRET_SHAPES: [RegExp, string][] = [
  [/\b(?:sk|pk|rk|gsk|xai|key)[-_][A-Za-z0-9_*.-]{6,}/gi, '***'],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, '***'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '***'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***'],
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, '$1***@'],
  [/([?&;](?:api[_-]?key|key|token|access_token|secret|password|sig|signature|auth)=)[^&\s"'<>]+/gi, '$1***'],
];

/** `text` with the key sent and anything shaped like a secret masked (for messages and debug logs). */
export function redactSecrets(text: string, secret: string | null): string {
  let out = secret ? text.split(secret).join('***') : text;
  for (const [shape, mask] of SECRET_SHAPES) out = out.replace(shape, mask);
  return out;
}

// An absolute file path (not a URL's path): what follows `/`, `:`, a word character or `.~-` is not its start.
const ABSOLUTE_PATH = /(?<![\w.~:/-])\/(?:[^\s/'"`]+\/)+([^\s/'"`]+)/g;

/**
 * `text` with every absolute path cut to the file's name: llama.cpp's log lines and Node's file errors name
 * files by full path, and a user may see them but not where the server keeps its files.
 */
export const hidePaths = (text: string): string => text.replace(ABSOLUTE_PATH, '$1');

const MAX_MESSAGE = 200;

/**
 * A short, single-line upstream message fit to show a user: secrets masked, control characters gone, an
 * HTML page (a proxy's or load balancer's error page) dropped, at most 200 characters.
 */
export function sanitizeMessage(text: string, secret: string | null): string {
  let msg = redactSecrets(text, secret)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (/^<(?:!doctype|html|head|body|\?xml)|<\/(?:html|body|title)>/i.test(msg)) msg = '';
  return msg.length > MAX_MESSAGE ? `${msg.slice(0, MAX_MESSAGE - 3)}...` : msg;
}

/** At most this much is read of a body after the answer's end, and for at most this long (see UpstreamCall.close). */
const MAX_TAIL_BYTES = 64 * 1024;
const MAX_TAIL_MS = 2000;

/** At most this much of an error body goes to the debug log. */
const MAX_LOGGED_BODY = 4096;

/** Picks the human part of an error body: OpenAI/Anthropic `error.message`, Ollama `error`, or the raw text. */
export function upstreamMessage(body: string): string {
  try {
    const j: unknown = JSON.parse(body);
    if (isObject(j)) {
      const e = j.error;
      if (isObject(e)) return asString(e.message) ?? asString(e.type) ?? body;
      return asString(e) ?? asString(j.message) ?? asString(j.detail) ?? body;
    }
  } catch {
    // not JSON: the text itself is the message
  }
  return body;
}

/** An error the provider reported inside a stream (`{"error": …}` or an `error` event). */
export function midStreamError(
  kind: ProviderErrorKind,
  message: string,
  secret: string | null,
  status?: number,
) {
  return new ProviderError(kind, `provider error mid-stream: ${sanitizeMessage(message, secret)}`, status);
}

/** Parses one chunk of upstream JSON; a broken chunk is a 'malformed' failure, not a crash. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ProviderError('malformed', `provider sent invalid JSON: ${text.slice(0, 60)}`, undefined, {
      cause: err,
    });
  }
}

export interface CallOptions {
  timeouts: ProviderTimeouts;
  signal?: AbortSignal;
  /** The key sent with this call, masked out of any message we keep. */
  secret: string | null;
  /** An undici dispatcher, e.g. lib/url-policy's guardedDispatcher() for user-supplied base URLs. */
  dispatcher?: Dispatcher;
  /** Where an upstream error's whole body goes (debug level, secrets masked); users see a short message. */
  logger?: DebugLogger;
}

/** What every HTTP adapter is built with. */
export interface AdapterOptions {
  baseUrl: string;
  /** Sent as the provider wants it (a bearer token, x-api-key); null sends none. */
  apiKey: string | null;
  timeouts: ProviderTimeouts;
  /** See CallOptions.dispatcher. */
  dispatcher?: Dispatcher;
  /** See CallOptions.logger. */
  logger?: DebugLogger;
}

/** An adapter's call options: its timeouts, the key to mask, its dispatcher and logger, and this call's signal. */
export function callOptions(o: Omit<AdapterOptions, 'baseUrl'>, signal?: AbortSignal): CallOptions {
  return { timeouts: o.timeouts, signal, secret: o.apiKey, dispatcher: o.dispatcher, logger: o.logger };
}

/** The one logger method UpstreamCall needs (Fastify's logger has it). */
export interface DebugLogger {
  debug(obj: object, msg: string): void;
}

// RequestInit plus undici's `dispatcher`, which Node's global fetch honours but its types omit.
export interface DispatchInit extends RequestInit {
  dispatcher?: Dispatcher;
}

type Phase = 'connect' | 'first_token' | 'idle';

/** What an adapter sends upstream. */
export interface UpstreamInit {
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** What an adapter reads of the answer's head (the body through readText/readJson). */
export interface UpstreamHead {
  status: number;
  contentType: string;
}

type Body = Dispatcher.ResponseData['body'];

/**
 * One upstream HTTP call. Owns an AbortController linked to the caller's signal and ONE timer:
 * armed for the connect timeout until headers, then for the first token, then refreshed (not re-created)
 * on every chunk for the idle timeout. Always `close()` it (in `finally`): that frees the timer, the
 * listener and, if the body was not read to the end, the socket.
 */
export class UpstreamCall {
  private readonly ctl = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private phase: Phase = 'connect';
  private timedOut: ProviderError | undefined;
  private headersSeen = false;
  // undici's request() rather than fetch(): the same pooled dispatcher without WHATWG Request/Response and web
  // streams, which a CPU profile of sends put at about a fifth of the server's time.
  private body: Body | undefined;
  private chunks: AsyncIterator<Buffer> | undefined;
  private bodyEnded = false;
  private complete = false;
  private readonly decoder = new TextDecoder();
  private readonly host: string;
  private readonly onCallerAbort = () => this.ctl.abort(this.opts.signal?.reason);

  constructor(
    url: string,
    private readonly opts: CallOptions,
  ) {
    // An unparsable base URL fails in request below (as 'unreachable'), not here with a bare TypeError.
    this.host = URL.canParse(url) ? new URL(url).host : 'an invalid base URL';
    opts.signal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get callerAborted(): boolean {
    return this.opts.signal?.aborted === true;
  }

  private arm(phase: Phase, ms: number) {
    this.phase = phase;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const what =
        phase === 'connect' ? 'no response' : phase === 'first_token' ? 'no first token' : 'stream idle';
      this.timedOut = new ProviderError('timeout', `${what} from ${this.host} within ${ms} ms`);
      this.ctl.abort(this.timedOut);
    }, ms);
  }

  /**
   * Sends the request and waits for the response headers (connect timeout, or `headersTimeoutMs` for
   * servers that answer only once a model is loaded). Non-2xx answers throw a ProviderError.
   */
  async send(
    url: string,
    init: UpstreamInit,
    mode: 'stream' | 'json',
    headersTimeoutMs?: number,
  ): Promise<UpstreamHead> {
    if (this.opts.signal?.aborted) this.ctl.abort(this.opts.signal.reason);
    this.arm('connect', headersTimeoutMs ?? this.opts.timeouts.connectTimeoutMs);
    // request() follows no redirect: a redirect must not carry the key to another host.
    const res = await request(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: this.ctl.signal,
      ...(this.opts.dispatcher ? { dispatcher: this.opts.dispatcher } : {}),
    });
    this.headersSeen = true;
    this.body = res.body;
    if (mode === 'stream') this.arm('first_token', this.opts.timeouts.firstTokenTimeoutMs);
    else this.arm('idle', this.opts.timeouts.idleTimeoutMs);
    if (res.statusCode >= 300 && res.statusCode < 400) {
      throw new ProviderError(
        'bad_request',
        `${this.host} answered with a redirect: check the base URL`,
        res.statusCode,
      );
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const text = await res.body.text();
      this.body = undefined;
      this.opts.logger?.debug(
        {
          upstream_host: this.host,
          upstream_status: res.statusCode,
          upstream_body: redactSecrets(text.slice(0, MAX_LOGGED_BODY), this.opts.secret),
        },
        'provider answered an error',
      );
      // undici's request() has no status text: the standard reason phrase stands in when the body says nothing.
      const msg =
        sanitizeMessage(upstreamMessage(text), this.opts.secret) ||
        (STATUS_CODES[res.statusCode] ?? `HTTP ${res.statusCode}`);
      throw new ProviderError(
        kindForStatus(res.statusCode),
        `${this.host} returned ${res.statusCode}: ${msg}`,
        res.statusCode,
      );
    }
    this.chunks = res.body[Symbol.asyncIterator]();
    const type = res.headers['content-type'];
    return { status: res.statusCode, contentType: (Array.isArray(type) ? type[0] : type) ?? '' };
  }

  /**
   * Call when the answer is complete (a stream's `[DONE]` or last event) even though the body may not have
   * ended yet: `close()` then reads what is left of it instead of aborting, so the connection is kept.
   */
  completed() {
    this.complete = true;
  }

  /** Call when the first content arrives: from then on the idle timeout applies between chunks. */
  gotToken() {
    if (this.phase !== 'idle') this.arm('idle', this.opts.timeouts.idleTimeoutMs);
  }

  /** The next decoded piece of the body, or null at its end (and on every call after it). */
  async readText(): Promise<string | null> {
    const chunks = this.chunks;
    if (!chunks) {
      if (this.bodyEnded) return null;
      throw new Error('readText before send');
    }
    const { done, value } = await chunks.next();
    if (done) {
      this.chunks = undefined;
      // The decoder's tail (a character cut off at the end) comes first; the calls after it answer null.
      this.bodyEnded = true;
      this.body = undefined;
      const tail = this.decoder.decode();
      return tail === '' ? null : tail;
    }
    if (this.phase === 'idle') this.timer?.refresh();
    return this.decoder.decode(value, { stream: true });
  }

  /** Reads the whole body as JSON (models, embeddings, non-streamed answers). */
  async readJson(): Promise<unknown> {
    let text = '';
    for (let t = await this.readText(); t !== null; t = await this.readText()) text += t;
    return parseJson(text);
  }

  /**
   * Turns whatever a call threw into the error to report: our timeout, a ProviderError, a network failure
   * (unreachable before headers, upstream once the stream had started). Returns null when the caller
   * aborted: streams then end with ABORTED, other calls rethrow the caller's abort reason.
   */
  failure(err: unknown): ProviderError | null {
    if (this.timedOut) return this.timedOut;
    if (this.callerAborted) return null;
    if (err instanceof ProviderError) return err;
    const code = networkCode(err);
    if (code?.startsWith('UND_ERR_') && code.includes('TIMEOUT')) {
      return new ProviderError('timeout', `${this.host} timed out (${code})`, undefined, { cause: err });
    }
    if (!this.headersSeen) {
      return new ProviderError(
        'unreachable',
        `cannot reach ${this.host}${code ? ` (${code})` : ''}`,
        undefined,
        {
          cause: err,
        },
      );
    }
    return new ProviderError('upstream', `connection to ${this.host} lost mid-stream`, undefined, {
      cause: err,
    });
  }

  /** For streams: the error to throw, or ABORTED (the stream's last event) when the caller aborted. */
  streamEnd(err: unknown): ChatEvent {
    const e = this.failure(err);
    if (e) throw e;
    return ABORTED;
  }

  /** For non-stream calls: the error to throw (the caller's abort reason when it aborted). */
  rethrow(err: unknown): never {
    const e = this.failure(err);
    if (e) throw e;
    throw this.opts.signal?.reason ?? err;
  }

  close() {
    clearTimeout(this.timer);
    this.opts.signal?.removeEventListener('abort', this.onCallerAbort);
    const { body, chunks } = this;
    this.body = undefined;
    this.chunks = undefined;
    // A complete answer whose body has not ended (the end of the chunked body comes after `[DONE]`): its
    // rest is read in the background, so the kept-alive connection serves the next call. Aborting would
    // destroy the socket, and the next send would pay a new connection (a TLS handshake with a real
    // provider) before its first token.
    if (body && chunks && this.complete && !this.ctl.signal.aborted) {
      drainTail(body, chunks);
      return;
    }
    // An unread body keeps the socket busy: aborting hands it back (or destroys it) at once.
    if (body || !this.headersSeen) this.ctl.abort();
    body?.destroy();
  }
}

/** Reads a body's rest to its end (bounded in bytes and time; past either it is destroyed, and its socket). */
function drainTail(body: Body, chunks: AsyncIterator<Buffer>) {
  const timer = setTimeout(() => body.destroy(), MAX_TAIL_MS);
  timer.unref();
  void (async () => {
    let left = MAX_TAIL_BYTES;
    for (;;) {
      const { done, value } = await chunks.next();
      if (done) return;
      left -= value.length;
      if (left < 0) return void body.destroy();
    }
  })()
    .catch(() => body.destroy())
    .finally(() => clearTimeout(timer));
}

function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && isObject(e); i++) {
    const code = asString(e.code);
    if (code) return code;
    e = e.cause;
  }
  return undefined;
}

/** JSON request helper for the non-streaming endpoints (models, embeddings). */
export async function requestJson(url: string, init: UpstreamInit, opts: CallOptions): Promise<unknown> {
  const call = new UpstreamCall(url, opts);
  try {
    await call.send(url, init, 'json');
    return await call.readJson();
  } catch (err) {
    call.rethrow(err);
  } finally {
    call.close();
  }
}
