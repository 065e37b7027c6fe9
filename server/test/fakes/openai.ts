/**
 * A fake OpenAI-compatible server: /v1/chat/completions (SSE with `[DONE]` and the include_usage chunk,
 * or one JSON completion when stream is false), /v1/models, /v1/embeddings, /v1/images/generations
 * (b64_json or a url served by the fake under /files/).
 */
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import {
  type FakeModel,
  type FakeOptions,
  type FakeServer,
  fakeEmbedding,
  type Protocol,
  type RecordedRequest,
  type ReplyContext,
  startFake,
} from './common.js';
import { checkPictures, openAIPictures } from './vision.js';

export const OPENAI_DEFAULT_MODELS: FakeModel[] = ['gpt-4o-mini', 'text-embedding-3-small', 'dall-e-3'];

const field = (body: unknown, key: string): unknown =>
  typeof body === 'object' && body !== null && key in body ? Reflect.get(body, key) : undefined;

function chunk(id: string, model: unknown, delta: object, finish: string | null, extra: object = {}) {
  const c = {
    id,
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  };
  return `data: ${JSON.stringify(c)}\n\n`;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real 8×8 RGB PNG whose colour comes from `seed` (so different prompts give different images). */
export function tinyPng(seed: string): Buffer {
  const [r = 0, g = 0, b = 0] = createHash('sha256').update(seed).digest();
  const size = 8;
  const row = Buffer.alloc(1 + size * 3);
  for (let x = 0; x < size; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const images = new Map<string, Buffer>();
let imageCounter = 0;

function modelList(models: FakeModel[]) {
  return models.map((m) =>
    typeof m === 'string'
      ? { id: m, object: 'model', created: 1_700_000_000, owned_by: 'fake' }
      : { object: 'model', owned_by: 'fake', ...m },
  );
}

const openaiProtocol: Protocol = {
  basePath: '/v1',
  endpointOf(method, path) {
    if (method === 'POST' && path === '/v1/chat/completions') return 'chat';
    if (method === 'GET' && path === '/v1/models') return 'models';
    if (method === 'POST' && path === '/v1/embeddings') return 'embeddings';
    if (method === 'POST' && path === '/v1/images/generations') return 'images';
    if (method === 'GET' && path.startsWith('/files/')) return 'files';
    return 'other';
  },
  isAuthorized: (headers, key) => headers.authorization === `Bearer ${key}`,
  precheck(req, options) {
    const refused = checkPictures(req, openAIPictures, options.visionModels);
    return refused && { status: refused.status, body: this.errorBody(refused.status, refused.message) };
  },
  errorBody(status, message) {
    const type =
      status === 401
        ? 'invalid_request_error'
        : status === 429
          ? 'rate_limit_error'
          : status >= 500
            ? 'server_error'
            : 'invalid_request_error';
    return { error: { message, type, param: null, code: status === 401 ? 'invalid_api_key' : null } };
  },
  wantsStream: (req) => field(req.body, 'stream') === true,
  stream(ctx: ReplyContext) {
    const model = field(ctx.req.body, 'model');
    const id = 'chatcmpl-fake';
    const usage = {
      prompt_tokens: ctx.usage.input,
      completion_tokens: ctx.usage.output,
      total_tokens: ctx.usage.input + ctx.usage.output,
    };
    const tail = [chunk(id, model, {}, ctx.finishReason ?? 'stop')];
    if (field(field(ctx.req.body, 'stream_options'), 'include_usage') === true) {
      tail.push(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage })}\n\n`,
      );
    }
    tail.push('data: [DONE]\n\n');
    return {
      contentType: 'text/event-stream; charset=utf-8',
      head: [chunk(id, model, { role: 'assistant', content: '' }, null)],
      deltas: ctx.pieces.map((p) => chunk(id, model, { content: p }, null)),
      tail,
      errorEvent: `data: ${JSON.stringify({ error: { message: 'Provider overloaded', code: 502 } })}\n\n`,
      malformed: 'data: {"id":"chatcmpl-fake","choices":[{"delta":{"content":"oops\n\n',
    };
  },
  completion(ctx: ReplyContext) {
    return {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: field(ctx.req.body, 'model'),
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: ctx.text },
          finish_reason: ctx.finishReason ?? 'stop',
        },
      ],
      usage: {
        prompt_tokens: ctx.usage.input,
        completion_tokens: ctx.usage.output,
        total_tokens: ctx.usage.input + ctx.usage.output,
      },
    };
  },
  other(req: RecordedRequest, options: FakeOptions, fake) {
    if (req.endpoint === 'models')
      return {
        status: 200,
        body: { object: 'list', data: modelList(options.models ?? OPENAI_DEFAULT_MODELS) },
      };
    if (req.endpoint === 'embeddings') {
      const input = field(req.body, 'input');
      const texts = Array.isArray(input) ? input.map(String) : [String(input ?? '')];
      const data = texts.map((t, index) => ({
        object: 'embedding',
        index,
        embedding: fakeEmbedding(t, options.embeddingDim),
      }));
      const tokens = texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
      return {
        status: 200,
        body: {
          object: 'list',
          data,
          model: field(req.body, 'model'),
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        },
      };
    }
    if (req.endpoint === 'files') {
      const png = images.get(req.path.slice('/files/'.length));
      return png ? { status: 200, body: png } : { status: 404, body: { error: { message: 'no such file' } } };
    }
    const prompt = String(field(req.body, 'prompt') ?? '');
    const n = Number(field(req.body, 'n') ?? 1) || 1;
    const format = options.imageFormat ?? (field(req.body, 'response_format') === 'url' ? 'url' : 'b64_json');
    const data = Array.from({ length: n }, (_, i) => {
      const png = tinyPng(`${prompt}#${i}`);
      if (format === 'b64_json') return { b64_json: png.toString('base64'), revised_prompt: prompt };
      const name = `img-${++imageCounter}.png`;
      images.set(name, png);
      return { url: `${fake.origin}/files/${name}`, revised_prompt: prompt };
    });
    return { status: 200, body: { created: 1_700_000_000, data } };
  },
};

/** Starts a fake OpenAI-compatible server; `url` ends in /v1 like OpenAI's base URL. */
export function startFakeOpenAI(opts: FakeOptions = {}): Promise<FakeServer> {
  return startFake(openaiProtocol, opts);
}
