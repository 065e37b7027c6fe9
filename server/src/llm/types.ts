/**
 * The one interface every LLM backend implements: cloud providers (OpenAI-compatible, Anthropic),
 * Ollama, users' local endpoints, and GGUF models run in process.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

/** A picture given to the model with a message: its sniffed type and its bytes in base64. */
export interface ChatImage {
  mediaType: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
  data: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** Pictures with this (user) message; each adapter puts them in its provider's wire format. */
  images?: ChatImage[];
}

export interface ChatParams {
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  params?: ChatParams;
  /** Aborts the upstream call (cancel button, shutdown, timeouts). */
  signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'aborted' | 'error' | (string & {});

/** What a streamed chat yields: text pieces as they arrive, then exactly one `done`. */
export type ChatEvent =
  | { type: 'delta'; content: string }
  | { type: 'done'; finishReason: FinishReason; usage?: { tokensIn?: number; tokensOut?: number } };

export interface ModelInfo {
  id: string;
  name: string;
  kind: 'chat' | 'image' | 'embedding';
  context_length?: number;
  owned_by?: string;
  /** What the model takes besides text (`vision`), when the provider's metadata says so. */
  capabilities?: string[];
}

export interface LlmProvider {
  /**
   * Streams a chat completion. Throws `ProviderError` (with `kind`) for HTTP errors, timeouts
   * and malformed output; a cancelled `signal` ends the stream with finishReason 'aborted' or
   * an AbortError, never a hang.
   */
  streamChat(req: ChatRequest): AsyncIterable<ChatEvent>;
  listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
  embed?(input: string[], model: string, signal?: AbortSignal): Promise<number[][]>;
}

export type ProviderErrorKind =
  | 'auth' // 401/403 from upstream: the key is wrong
  | 'rate_limited' // 429 upstream
  | 'bad_request' // 4xx upstream (unknown model, context too long)
  | 'upstream' // 5xx upstream
  | 'unreachable' // connection refused / DNS / TLS
  | 'timeout' // connect, first token or idle timeout
  | 'malformed'; // output that does not parse

/** A provider failure with enough shape to choose an HTTP status (502 vs 504) and a user message. */
export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; field?: string },
  ) {
    super(message, options);
    this.name = 'ProviderError';
    this.field = options?.field;
  }

  /** The request field a 'bad_request' is about, when the adapter knows it (reported as the error's field). */
  readonly field: string | undefined;
}

/** Timeouts every adapter honours (from config.providers). */
export interface ProviderTimeouts {
  connectTimeoutMs: number;
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
}

/** Where and how to reach one provider for one user: resolved by the providers / local-models services. */
export interface ProviderTarget {
  /** Catalogue name (`openai`, `anthropic`, …, `ollama`, `openai-compatible`) or `local` for a user's endpoint. */
  provider: string;
  adapter: 'openai-compatible' | 'anthropic' | 'ollama' | 'llama-cpp';
  baseUrl: string;
  apiKey: string | null;
  /** The user's local endpoint this target came from, if any (usage, health, failover). */
  localEndpointId?: string;
}
