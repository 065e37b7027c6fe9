/**
 * A fake Anthropic Messages API: POST /v1/messages (message_start … message_stop events, or one JSON
 * message when stream is false) and GET /v1/models. Like the real API it requires `anthropic-version`.
 */
import {
  type FakeModel,
  type FakeOptions,
  type FakeServer,
  type Protocol,
  type ReplyContext,
  startFake,
} from './common.js';
import { anthropicPictures, checkPictures } from './vision.js';

export const ANTHROPIC_DEFAULT_MODELS: FakeModel[] = ['claude-sonnet-4-5', 'claude-3-5-haiku-latest'];

const field = (body: unknown, key: string): unknown =>
  typeof body === 'object' && body !== null && key in body ? Reflect.get(body, key) : undefined;

const event = (type: string, data: object) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

function message(ctx: ReplyContext, content: object[], stopReason: string | null, outputTokens: number) {
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: field(ctx.req.body, 'model'),
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: ctx.usage.input, output_tokens: outputTokens },
  };
}

const anthropicProtocol: Protocol = {
  basePath: '/v1',
  endpointOf(method, path) {
    if (method === 'POST' && path === '/v1/messages') return 'chat';
    if (method === 'GET' && path === '/v1/models') return 'models';
    return 'other';
  },
  isAuthorized: (headers, key) => headers['x-api-key'] === key,
  precheck(req, options) {
    if (!req.headers['anthropic-version'])
      return { status: 400, body: this.errorBody(400, 'anthropic-version: header is required') };
    const refused = checkPictures(req, anthropicPictures, options.visionModels);
    return refused && { status: refused.status, body: this.errorBody(refused.status, refused.message) };
  },
  errorBody(status, message) {
    return { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } };
  },
  wantsStream: (req) => field(req.body, 'stream') === true,
  stream(ctx) {
    return {
      contentType: 'text/event-stream; charset=utf-8',
      head: [
        event('message_start', { message: message(ctx, [], null, 1) }),
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        event('ping', {}),
      ],
      deltas: ctx.pieces.map((text) =>
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
      ),
      tail: [
        event('content_block_stop', { index: 0 }),
        event('message_delta', {
          delta: { stop_reason: ctx.finishReason ?? 'end_turn', stop_sequence: null },
          usage: { output_tokens: ctx.usage.output },
        }),
        event('message_stop', {}),
      ],
      errorEvent: event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
      malformed: 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":\n\n',
    };
  },
  completion(ctx) {
    return message(ctx, [{ type: 'text', text: ctx.text }], ctx.finishReason ?? 'end_turn', ctx.usage.output);
  },
  other(_req, options: FakeOptions) {
    const data = (options.models ?? ANTHROPIC_DEFAULT_MODELS).map((m) =>
      typeof m === 'string'
        ? { type: 'model', id: m, display_name: m, created_at: '2025-01-01T00:00:00Z' }
        : { type: 'model', display_name: m.id, created_at: '2025-01-01T00:00:00Z', ...m },
    );
    return {
      status: 200,
      body: { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null },
    };
  },
};

/** Starts a fake Anthropic server; `url` ends in /v1 like Anthropic's base URL. */
export function startFakeAnthropic(opts: FakeOptions = {}): Promise<FakeServer> {
  return startFake(anthropicProtocol, opts);
}
