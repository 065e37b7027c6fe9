/**
 * The engine shared by the fake providers: a node:http server on 127.0.0.1:0 that records every request
 * and plays a switchable behaviour. Each fake (openai.ts, anthropic.ts, ollama.ts) supplies the wire format.
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type {
  FakeBehavior,
  FakeBehaviorInput,
  FakeOptions,
  FakeServer,
  Protocol,
  RecordedRequest,
  ReplyContext,
  StreamPlan,
} from './fake-types.js';

export type {
  FakeBehavior,
  FakeBehaviorInput,
  FakeEndpoint,
  FakeModel,
  FakeOptions,
  FakeServer,
  Protocol,
  RecordedRequest,
  ReplyContext,
  StreamPlan,
} from './fake-types.js';

export const normalize = (b: FakeBehaviorInput): FakeBehavior => (typeof b === 'string' ? { kind: b } : b);

export function splitText(text: string, n: number): string[] {
  const count = Math.max(1, Math.min(n, text.length));
  const size = Math.ceil(text.length / count);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}

/** Texts sharing words get close vectors (feature hashing), identical texts identical ones; unit length. */
export function fakeEmbedding(text: string, dim = 64): number[] {
  const v = new Array<number>(dim).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const w of words) {
    const h = createHash('sha256').update(w).digest();
    const i = h.readUInt32BE(0) % dim;
    v[i] = (v[i] ?? 0) + (h[4] !== undefined && h[4] & 1 ? 1 : -1);
  }
  if (words.length === 0) v[0] = 1;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

function promptChars(body: unknown): number {
  if (typeof body !== 'object' || body === null || !('messages' in body) || !Array.isArray(body.messages))
    return 0;
  let n = 0;
  for (const m of body.messages) {
    if (typeof m === 'object' && m !== null && 'content' in m && typeof m.content === 'string')
      n += m.content.length;
  }
  return n;
}

/** A message's text in any of the wire formats: its string content, or its text parts / blocks joined. */
function messageText(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null || !('content' in m)) return undefined;
  if (typeof m.content === 'string') return m.content;
  if (!Array.isArray(m.content)) return undefined;
  return m.content
    .map((p: unknown) =>
      typeof p === 'object' && p !== null && 'text' in p && typeof p.text === 'string' ? p.text : '',
    )
    .join('');
}

/**
 * Whether a recorded chat request asks `prompt`: its last message is the user's and its text is `prompt`, or
 * ends with a line that starts it (the server puts the text of attached documents before the prompt).
 */
function asks(req: RecordedRequest, prompt: string): boolean {
  const body = req.body;
  if (typeof body !== 'object' || body === null || !('messages' in body) || !Array.isArray(body.messages))
    return false;
  const last: unknown = body.messages.at(-1);
  const role = typeof last === 'object' && last !== null && 'role' in last ? last.role : undefined;
  const text = messageText(last);
  return role === 'user' && text !== undefined && (text === prompt || text.endsWith(`\n${prompt}`));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  const text = Buffer.concat(parts).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startFake(protocol: Protocol, start: FakeOptions = {}): Promise<FakeServer> {
  let options: FakeOptions = { ...start };
  let behavior = normalize(start.behavior ?? 'normal');
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  let origin = '';

  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (Buffer.isBuffer(body)) {
      res.writeHead(status, { 'content-type': 'image/png', 'content-length': body.length }).end(body);
      return;
    }
    if (typeof body === 'string') {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  async function play(res: ServerResponse, rec: RecordedRequest, b: FakeBehavior, plan: StreamPlan) {
    const gone = () => rec.closedByClient;
    const delay = b.kind === 'slow' ? b.delayMs : 0;
    res.writeHead(200, { 'content-type': plan.contentType, 'cache-control': 'no-cache' });
    const cut = b.kind !== 'normal' && b.kind !== 'slow';
    const frames = cut
      ? [...plan.head, ...plan.deltas.slice(0, 1)]
      : [...plan.head, ...plan.deltas, ...plan.tail];
    for (const f of frames) {
      if (delay) await sleep(delay);
      if (gone()) return;
      res.write(f);
    }
    if (b.kind === 'hang_after_first_chunk') return;
    if (b.kind === 'drop_mid_stream') {
      res.write('', () => res.socket?.destroy());
      return;
    }
    if (b.kind === 'malformed') res.write(plan.malformed);
    if (b.kind === 'error_event') res.write(plan.errorEvent);
    res.end();
  }

  async function answerJson(res: ServerResponse, b: FakeBehavior, status: number, body: unknown) {
    if (b.kind === 'slow') await sleep(b.delayMs);
    const text = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    if (b.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"broken": ');
      return;
    }
    if (b.kind === 'error_event') return send(res, 500, protocol.errorBody(500, 'fake error'));
    if (b.kind === 'end_early') {
      res.writeHead(status, { 'content-type': 'application/json' }).end(text.subarray(0, text.length >> 1));
      return;
    }
    if (b.kind === 'hang_after_first_chunk' || b.kind === 'drop_mid_stream') {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': text.length });
      res.write(text.subarray(0, text.length >> 1), () => {
        if (b.kind === 'drop_mid_stream') res.socket?.destroy();
      });
      return;
    }
    send(res, status, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const u = new URL(req.url ?? '/', origin);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: req.headers,
      body: await readBody(req),
      endpoint: protocol.endpointOf(req.method ?? 'GET', u.pathname),
      closedByClient: false,
    };
    requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) rec.closedByClient = true;
    });
    const b = behavior.only && !behavior.only.includes(rec.endpoint) ? { kind: 'normal' as const } : behavior;
    if (rec.endpoint === 'other') return send(res, 404, protocol.errorBody(404, `no route for ${rec.path}`));
    if (b.kind === 'hang') return;
    if (b.kind === 'http_error') {
      return send(res, b.status, b.body ?? protocol.errorBody(b.status, `fake ${b.status} error`));
    }
    if (options.apiKey && rec.endpoint !== 'files' && !protocol.isAuthorized(req.headers, options.apiKey)) {
      return send(res, 401, protocol.errorBody(401, 'invalid api key'));
    }
    const refused = protocol.precheck?.(rec, options);
    if (refused) return send(res, refused.status, refused.body);
    if (rec.endpoint !== 'chat') {
      const out = protocol.other(rec, options, { origin });
      return answerJson(res, b, out.status, out.body);
    }
    if (options.headersDelayMs) await sleep(options.headersDelayMs);
    if (rec.closedByClient) return;
    const text =
      typeof options.reply === 'function'
        ? options.reply(rec)
        : (options.reply ?? 'Hello from the fake provider!');
    const pieces = splitText(text, options.chunks ?? 4);
    const usage = options.usage ?? { input: Math.ceil(promptChars(rec.body) / 4), output: pieces.length };
    const ctx: ReplyContext = { req: rec, text, pieces, usage, finishReason: options.finishReason, options };
    if (protocol.wantsStream(rec)) return play(res, rec, b, protocol.stream(ctx));
    return answerJson(res, b, 200, protocol.completion(ctx));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, protocol.errorBody(500, String(err)));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('fake provider: no TCP address');
  origin = `http://127.0.0.1:${addr.port}`;

  return {
    url: `${origin}${protocol.basePath}`,
    origin,
    requests,
    requestsTo: (e) => requests.filter((r) => r.endpoint === e),
    chatsAsking: (prompt) => requests.filter((r) => r.endpoint === 'chat' && asks(r, prompt)),
    setBehavior: (nb) => {
      behavior = normalize(nb);
    },
    configure: (o) => {
      options = { ...options, ...o };
      if (o.behavior) behavior = normalize(o.behavior);
    },
    reset: () => {
      options = { ...start };
      behavior = normalize(start.behavior ?? 'normal');
      requests.length = 0;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
