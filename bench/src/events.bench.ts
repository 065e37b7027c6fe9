/**
 * Issue 12 measurements, on two real server processes (server/dist) over one PostgreSQL + Redis:
 *   - BENCH_EVENTS_N GET /v1/events connections (4 per user, 2 on each instance), all held open;
 *   - stored → event: a message sent through A, from its row's created_at to its message.created arriving
 *     on each of the user's connections (A and B), p50/p95/p99;
 *   - follow lag: an answer written on A (a provider streaming a chunk every 25 ms), followed on B through
 *     GET /v1/messages/{id}/stream: for each delta, arrival on B minus arrival on A's own stream;
 *   - RSS per idle connection (both processes' growth / N);
 *   - revocation → closed: logout through A, to each of that session's streams ending on A and B.
 *
 *   npm run build -w contracts && npm run build -w server
 *   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_REDIS_URL=redis://127.0.0.1:6379 \
 *     node --conditions=pocketllm-source --import tsx bench/src/events.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import pg from 'pg';
import { startFakeOpenAI } from '../../server/test/fakes/openai.js';
import { api, r2, startServer, summarize, timed } from './lib.js';
import { startMockProvider } from './mock-provider.js';

const N = Number(process.env.BENCH_EVENTS_N ?? 1000);
const PER_USER = 4;
const SENDS = Number(process.env.BENCH_EVENTS_SENDS ?? 100);
const LOGOUTS = Number(process.env.BENCH_EVENTS_LOGOUTS ?? 50);
const PORT = Number(process.env.BENCH_PORT ?? 19_540);
const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = (title: string, value: unknown) =>
  process.stdout.write(`${title.padEnd(48)} ${JSON.stringify(value)}\n`);

interface Stream {
  /** Arrival time (Date.now()) of each event, with its name, id and data. */
  onEvent?: (name: string, id: string | undefined, data: Record<string, unknown>, at: number) => void;
  ended: Promise<number>;
}

/** A bare SSE reader over node:http (one socket each, no pooling), light enough to hold a thousand. */
function open(
  url: string,
  token: string,
  onEvent?: Stream['onEvent'],
  method = 'GET',
  body?: unknown,
): Promise<Stream> {
  return new Promise((resolve, reject) => {
    // The listener is in place before the first byte can arrive (data flows on the next tick).
    const stream: Stream = { ended: Promise.resolve(0), ...(onEvent ? { onEvent } : {}) };
    let endedAt: (t: number) => void = () => {};
    stream.ended = new Promise((r) => {
      endedAt = r;
    });
    const req = http.request(url, {
      method,
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${url} → ${res.statusCode}`));
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        const at = Date.now();
        buf += chunk;
        let cut = buf.indexOf('\n\n');
        while (cut >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          cut = buf.indexOf('\n\n');
          let name = 'message';
          let id: string | undefined;
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) name = line.slice(7);
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) stream.onEvent?.(name, id, JSON.parse(data), at);
        }
      });
      res.on('close', () => endedAt(performance.now()));
      resolve(stream);
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const rssKb = (pid: number) =>
  Number(
    readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'))
      ?.replace(/\D+/g, '') ?? 0,
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const name = `pocketllm_events_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${name}`;
  const fast = await startMockProvider();
  const slow = await startFakeOpenAI({
    reply: Array.from({ length: 60 }, (_, i) => `w${i} `).join(''),
    chunks: 60,
    behavior: { kind: 'slow', delayMs: 25 },
  });
  const env = {
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `bench-events-${randomBytes(3).toString('hex')}:`,
    JWT_SECRET: 'bench-jwt-secret-that-is-long-enough-0123456789',
    ENCRYPTION_KEY: 'bench-encryption-key-that-is-long-enough-0123',
    INVITE_REQUIRED: 'false',
    ALLOW_PRIVATE_ENDPOINTS: 'true',
    RATE_LIMIT_AUTH_PER_MIN: '1000000',
    RATE_LIMIT_CHAT_PER_MIN: '1000000',
    EVENTS_MAX_CONNECTIONS_PER_USER: String(PER_USER),
    DB_POOL_SIZE: '10',
  };
  // Accounts are made on a third instance: password hashing (argon2) would leave A's and B's RSS inflated,
  // hiding what the connections themselves cost.
  const c = await startServer(env, PORT + 2);
  const users = Math.ceil(N / PER_USER);
  const tokens: string[] = [];
  try {
    await timed(users, 8, async (i) => {
      const reg = await api<{ access_token: string }>(c.base, '/v1/auth/register', {
        body: {
          email: `bench${i}-${randomBytes(3).toString('hex')}@example.com`,
          password: `pw-${randomBytes(8).toString('hex')}`,
        },
      });
      tokens[i] = reg.access_token;
    });
  } finally {
    await c.stop();
  }
  const a = await startServer(env, PORT);
  const b = await startServer(env, PORT + 1);
  try {
    // Warm-up (auth, SSE and bus paths compiled), then the baseline.
    for (const s of [a, b]) {
      await Promise.all([0, 1, 2, 3].map(() => open(`${s.base}/v1/events`, tokens[0] ?? '')));
      await sleep(200);
    }
    await sleep(3000);
    const rss0 = [rssKb(a.pid), rssKb(b.pid)];
    const conns: Stream[][] = [];
    await timed(users, 16, async (i) => {
      const t = tokens[i] ?? '';
      conns[i] = await Promise.all(
        [a, a, b, b]
          .slice(0, Math.min(PER_USER, N - i * PER_USER))
          .map((s) => open(`${s.base}/v1/events`, t)),
      );
    });
    await sleep(3000);
    const rss1 = [rssKb(a.pid), rssKb(b.pid)];
    const perConn = ((rss1[0] ?? 0) - (rss0[0] ?? 0) + (rss1[1] ?? 0) - (rss0[1] ?? 0)) / N;
    log('connections held (A+B)', { n: N, users });
    log('RSS per idle connection (KB, both processes)', Math.round(perConn * 10) / 10);
    log('RSS (MB) A, B before → after', [
      rss0.map((k) => Math.round(k / 1024)),
      rss1.map((k) => Math.round(k / 1024)),
    ]);

    // Stored → event: the row's created_at to arrival on each of the sender's connections.
    const storedToEvent: number[] = [];
    const senders = Math.min(SENDS, users);
    await timed(senders, 4, async (i) => {
      const t = tokens[i] ?? '';
      await api(a.base, '/v1/providers/activate', {
        token: t,
        body: { provider: 'openai', api_key: 'sk-bench-0123456789', base_url: fast.url },
      });
      const chat = await api<{ id: string }>(a.base, '/v1/chats', { token: t, body: {} });
      const mine = conns[i] ?? [];
      const heard = Promise.all(
        mine.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.onEvent = (ev, _id, data, at) => {
                if (ev !== 'message.created') return;
                const created = (data.user_message as { created_at: string }).created_at;
                storedToEvent.push(at - Date.parse(created));
                resolve();
              };
            }),
        ),
      );
      await api(a.base, `/v1/chats/${chat.id}/messages`, {
        token: t,
        body: {
          content: `hello ${i}`,
          provider: 'openai',
          model: 'bench-model',
          stream: false,
          cache: false,
        },
      });
      await heard;
    });
    log('stored → event arrival (ms, A and B clients)', {
      ...summarize(storedToEvent),
      n: storedToEvent.length,
    });

    // Follow lag: deltas of an answer written on A, as B's follower gets them vs A's own stream.
    const lag: number[] = [];
    const writer = tokens[users - 1] ?? '';
    await api(a.base, '/v1/providers/activate', {
      token: writer,
      body: { provider: 'openai', api_key: 'sk-bench-0123456789', base_url: slow.url },
    });
    for (let r = 0; r < 5; r++) {
      const chat = await api<{ id: string }>(a.base, '/v1/chats', { token: writer, body: {} });
      const onA = new Map<string, number>();
      const onB = new Map<string, number>();
      let answerId = '';
      const started = new Promise<void>((resolve, reject) => {
        open(
          `${a.base}/v1/chats/${chat.id}/messages`,
          writer,
          (ev, id, data, at) => {
            if (ev === 'message.created') {
              answerId = (data.assistant_message as { id: string }).id;
              resolve();
            } else if (ev === 'delta' && id) onA.set(id, at);
          },
          'POST',
          { content: 'count', provider: 'openai', model: 'm', stream: true, cache: false },
        ).catch(reject);
      });
      await started;
      const follower = await open(`${b.base}/v1/messages/${answerId}/stream`, writer, (ev, id, _d, at) => {
        if (ev === 'delta' && id) onB.set(id, at);
      });
      await follower.ended;
      // B's first delta replays the stored row (its join), not a delta followed live.
      for (const [id, at] of [...onB].slice(1)) {
        const w = onA.get(id);
        if (w !== undefined) lag.push(at - w);
      }
    }
    log('cross-instance follow lag (ms, B behind A)', { ...summarize(lag), n: lag.length });

    // Revocation → closed, on both instances.
    const closed: number[] = [];
    const afterAnswer: number[] = [];
    await timed(Math.min(LOGOUTS, users - 1), 4, async (k) => {
      const i = users - 2 - k;
      const t0 = performance.now();
      await api(a.base, '/v1/auth/logout', { token: tokens[i] ?? '', method: 'POST' });
      const t1 = performance.now();
      for (const at of await Promise.all((conns[i] ?? []).map((s) => s.ended))) {
        closed.push(at - t0);
        afterAnswer.push(at - t1);
      }
    });
    log('revocation → stream closed (ms, from logout sent)', { ...summarize(closed), n: closed.length });
    log('revocation → stream closed (ms, from logout answered)', summarize(afterAnswer));
    log('load average (1, 5, 15 min)', loadavg().map(r2));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
  await fast.close();
  await slow.close();
  await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
  await admin.end();
  process.exit(0);
}

await main();
