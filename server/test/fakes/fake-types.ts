/** The fake providers' public types: behaviours, options, recorded requests and the wire-format contract. */
import type { IncomingHttpHeaders } from 'node:http';

export type FakeEndpoint = 'chat' | 'models' | 'embeddings' | 'images' | 'files' | 'other';

/** What the fake does with the next requests (until changed). `only` limits it to some endpoints. */
export type FakeBehavior = (
  | { kind: 'normal' }
  /** Answers `status` with `body` (default: the provider's own error shape). */
  | { kind: 'http_error'; status: number; body?: unknown }
  /** Never answers: no headers, connection kept open. */
  | { kind: 'hang' }
  /** Sends headers and the first content chunk, then nothing. */
  | { kind: 'hang_after_first_chunk' }
  /** Sends the first content chunk, then destroys the socket. */
  | { kind: 'drop_mid_stream' }
  /** Sends the first content chunk, then a chunk that is not valid JSON. */
  | { kind: 'malformed' }
  /** Sends the first content chunk, then ends the response cleanly: no finish, no [DONE] (a cut-off proxy). */
  | { kind: 'end_early' }
  /** Sends the first content chunk, then the provider's in-stream error (OpenAI `{error}`, Anthropic `error` event…). */
  | { kind: 'error_event' }
  /** Waits `delayMs` before every chunk (and before a non-streamed answer). */
  | { kind: 'slow'; delayMs: number }
) & { only?: FakeEndpoint[] };

export type FakeBehaviorInput =
  | FakeBehavior
  | 'normal'
  | 'hang'
  | 'hang_after_first_chunk'
  | 'drop_mid_stream'
  | 'malformed'
  | 'error_event'
  | 'end_early';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  endpoint: FakeEndpoint;
  /** True once the client went away before the answer was complete (abort, timeout). */
  closedByClient: boolean;
}

export type FakeModel = string | { id: string; [field: string]: unknown };

export interface FakeOptions {
  /** The assistant text (default 'Hello from the fake provider!'), or computed from the request. */
  reply?: string | ((req: RecordedRequest) => string);
  /** How many content chunks the reply is split into (default 4; capped by the text length). */
  chunks?: number;
  /** Reported usage; default input ≈ prompt chars / 4, output = number of chunks. */
  usage?: { input: number; output: number };
  /** Finish reason on the wire (default 'stop' / 'end_turn'). */
  finishReason?: string;
  /** Listed by /models (/api/tags for Ollama). */
  models?: FakeModel[];
  /** When set, requests must carry this key (in the provider's header) or get the provider's 401. */
  apiKey?: string;
  /** Dimension of the deterministic embedding vectors (default 64). */
  embeddingDim?: number;
  /** Image answers: default is the request's `response_format`, else b64_json. */
  imageFormat?: 'b64_json' | 'url';
  behavior?: FakeBehaviorInput;
  /** When set, only these models take pictures; a picture for another is the provider's 400 (vision.ts). */
  visionModels?: string[];
  /** Wait before sending response headers of a chat answer (a model loading; Ollama does this). */
  headersDelayMs?: number;
}

export interface FakeServer {
  /** Base URL as the adapter expects it (OpenAI: …/v1, Anthropic: …/v1, Ollama: the origin). */
  url: string;
  /** The bare origin, http://127.0.0.1:PORT. */
  origin: string;
  requests: RecordedRequest[];
  /** Requests to one endpoint, e.g. `chatRequests()` for what the adapter sent to chat. */
  requestsTo(endpoint: FakeEndpoint): RecordedRequest[];
  /**
   * The chat requests that ask `prompt` (their last message is the user's: that text, or attached
   * documents' text and then it), oldest first. Selects the request a test means by what it asked rather than by arrival order, so a call the server
   * makes in the background (or one a test before left running) can never be read in its place.
   */
  chatsAsking(prompt: string): RecordedRequest[];
  setBehavior(b: FakeBehaviorInput): void;
  /** Changes options for the next requests (merged over the current ones). */
  configure(o: Partial<FakeOptions>): void;
  /** Back to the start options and 'normal', requests cleared. */
  reset(): void;
  close(): Promise<void>;
}

/** One answer about to be played: the wire frames split so behaviours can cut in after the first delta. */
export interface StreamPlan {
  contentType: string;
  head: string[];
  deltas: string[];
  tail: string[];
  errorEvent: string;
  malformed: string;
}

export interface ReplyContext {
  req: RecordedRequest;
  text: string;
  pieces: string[];
  usage: { input: number; output: number };
  finishReason: string | undefined;
  options: FakeOptions;
}

/** What each wire format provides to the engine. */
export interface Protocol {
  basePath: string;
  endpointOf(method: string, path: string): FakeEndpoint;
  isAuthorized(headers: IncomingHttpHeaders, apiKey: string): boolean;
  /** A request the real API would refuse before doing anything (missing header…), or null. */
  precheck?(req: RecordedRequest, options: FakeOptions): { status: number; body: unknown } | null;
  errorBody(status: number, message: string): unknown;
  wantsStream(req: RecordedRequest): boolean;
  stream(ctx: ReplyContext): StreamPlan;
  completion(ctx: ReplyContext): unknown;
  /** JSON answer for models / embeddings / images / files; a Buffer is sent as image/png. */
  other(
    req: RecordedRequest,
    options: FakeOptions,
    fake: { origin: string },
  ): { status: number; body: unknown };
}
