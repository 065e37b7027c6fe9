/**
 * A fake Ollama: POST /api/chat (NDJSON; streams unless `stream: false`, like Ollama), GET /api/tags,
 * POST /api/embed, GET /api/version and GET / ("Ollama is running") for health checks.
 */
import {
  type FakeModel,
  type FakeOptions,
  type FakeServer,
  fakeEmbedding,
  type Protocol,
  type ReplyContext,
  startFake,
} from './common.js';
import { checkPictures, ollamaPictures } from './vision.js';

export const OLLAMA_DEFAULT_MODELS: FakeModel[] = ['llama3.2:1b', 'nomic-embed-text:latest'];

const field = (body: unknown, key: string): unknown =>
  typeof body === 'object' && body !== null && key in body ? Reflect.get(body, key) : undefined;

const CREATED_AT = '2025-01-01T00:00:00Z';

function line(ctx: ReplyContext, content: string, done: boolean): string {
  const base = {
    model: field(ctx.req.body, 'model'),
    created_at: CREATED_AT,
    message: { role: 'assistant', content },
    done,
  };
  if (!done) return `${JSON.stringify(base)}\n`;
  const final = {
    ...base,
    done_reason: ctx.finishReason ?? 'stop',
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: ctx.usage.input,
    prompt_eval_duration: 200_000,
    eval_count: ctx.usage.output,
    eval_duration: 700_000,
  };
  return `${JSON.stringify(final)}\n`;
}

function tag(m: FakeModel) {
  const name = typeof m === 'string' ? m : m.id;
  const family = name.includes('embed') ? 'nomic-bert' : 'llama';
  const base = {
    name,
    model: name,
    modified_at: CREATED_AT,
    size: 1_000_000,
    digest: 'sha256:fake',
    details: {
      format: 'gguf',
      family,
      families: [family],
      parameter_size: '1B',
      quantization_level: 'Q4_K_M',
    },
  };
  return typeof m === 'string' ? base : { ...base, ...m };
}

const ollamaProtocol: Protocol = {
  basePath: '',
  endpointOf(method, path) {
    if (method === 'POST' && path === '/api/chat') return 'chat';
    if (method === 'GET' && (path === '/api/tags' || path === '/api/version' || path === '/'))
      return 'models';
    if (method === 'POST' && path === '/api/embed') return 'embeddings';
    return 'other';
  },
  isAuthorized: (headers, key) => headers.authorization === `Bearer ${key}`,
  precheck(req, options) {
    const refused = checkPictures(req, ollamaPictures, options.visionModels);
    return refused && { status: refused.status, body: { error: refused.message } };
  },
  errorBody: (_status, message) => ({ error: message }),
  wantsStream: (req) => field(req.body, 'stream') !== false,
  stream(ctx) {
    return {
      contentType: 'application/x-ndjson',
      head: [],
      deltas: ctx.pieces.map((p) => line(ctx, p, false)),
      tail: [line(ctx, '', true)],
      errorEvent: `${JSON.stringify({ error: 'model runner has unexpectedly stopped' })}\n`,
      malformed: '{"model":"x","message":{"content":\n',
    };
  },
  completion: (ctx) => JSON.parse(line(ctx, ctx.text, true)),
  other(req, options: FakeOptions) {
    if (req.path === '/') return { status: 200, body: 'Ollama is running' };
    if (req.path === '/api/version') return { status: 200, body: { version: '0.6.0' } };
    if (req.endpoint === 'models')
      return { status: 200, body: { models: (options.models ?? OLLAMA_DEFAULT_MODELS).map(tag) } };
    const input = field(req.body, 'input');
    const texts = Array.isArray(input) ? input.map(String) : [String(input ?? '')];
    return {
      status: 200,
      body: {
        model: field(req.body, 'model'),
        embeddings: texts.map((t) => fakeEmbedding(t, options.embeddingDim)),
      },
    };
  },
};

/** Starts a fake Ollama; `url` is the bare origin like Ollama's base URL. */
export function startFakeOllama(opts: FakeOptions = {}): Promise<FakeServer> {
  return startFake(ollamaProtocol, opts);
}
