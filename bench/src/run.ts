import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import {
  api,
  benchEnv,
  benchUser,
  load,
  loadWithCpu,
  r2,
  rssMb,
  startServer,
  summarize,
  timed,
  timeToFirstToken,
} from './lib.js';
import { startMockProcess, startMockProvider } from './mock-provider.js';
import { benchGateway } from './openai-gateway.js';
import { authMe, manyStreams } from './phases.js';

// `npm run bench`: PocketLLM against a zero-delay mock provider, side by side with calling the mock directly.
// BENCH_SECONDS (default 8) sets each load phase; BENCH_DATABASE_URL / BENCH_REDIS_URL run it on PostgreSQL/Redis.
// BENCH_ONLY=send,ttft,cache,me,login,scale,streams runs only those phases (for A/B runs); BENCH_STREAMS sets how
// many streams run at once in `streams` (default 1000), BENCH_TTFT_CLIENTS the ttft phase's clients (default 1,32). BENCH_CPU_PROF=<dir> writes the server's CPU profile there.

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const PORT = Number(process.env.BENCH_PORT ?? 18_080);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const runs = (phase: string) => !ONLY || ONLY.has(phase);
// BENCH_TTFT_CLIENTS=1 runs the ttft phase with 1 client only (default 1,32).
const TTFT_CLIENTS = (process.env.BENCH_TTFT_CLIENTS ?? '1,32').split(',').map(Number);
const report: Record<string, unknown> = { date: new Date().toISOString(), seconds_per_phase: SECONDS };
const log = (title: string, value: unknown) => {
  report[title] = value;
  process.stdout.write(`${title.padEnd(44)} ${JSON.stringify(value)}\n`);
};

const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-bench-'));
const env = benchEnv(dataDir, { RATE_LIMIT_API_KEY_PER_MIN: '100000000' });
const serverArgs = [
  ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
  // BENCH_NODE_ARGS: extra node flags for the server (BENCH_NODE_FLAGS replaces scripts/node-flags, BENCH_NODE_ENV scripts/node-env; lib.ts)
  ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
];

log('load average at start', loadavg().map(r2));
const mock = await startMockProvider();
const first = await startServer(env, PORT, serverArgs);
log('cold start, new data dir (ms)', first.readyMs);
await first.stop();
const server = await startServer(env, PORT, serverArgs);
// Seconds since the server process started (≈ its CPU profile's clock), to window a profile on one phase.
const spawnedAt = performance.now() - server.readyMs;
const sinceStart = () => r2((performance.now() - spawnedAt) / 1000);
log('cold start, existing data (ms)', server.readyMs);
await new Promise((r) => setTimeout(r, 1500));
log('idle RSS (MB)', rssMb(server.pid));
const base = server.base;

try {
  const email = `bench-${Date.now()}@example.com`;
  const token = await benchUser(base, email, mock.url);
  const headers = { authorization: `Bearer ${token}` };
  const chats: string[] = [];
  await timed(256, 16, async () => {
    chats.push((await api<{ id: string }>(base, '/v1/chats', { token, body: {} })).id);
  });

  // (a) the mock directly, (b) a non-streaming send through PocketLLM (two rows written, cache bypassed)
  const directBody = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'hello' }] });
  const sendBodies = Array.from({ length: 64 }, (_, i) =>
    JSON.stringify({ content: `hello bench ${i}`, cache: false }),
  );
  for (const c of runs('send') ? [1, 32] : []) {
    const direct = await load({
      url: `${mock.url}/chat/completions`,
      method: 'POST',
      bodies: [directBody],
      connections: c,
      seconds: SECONDS,
    });
    const send = await loadWithCpu(server.pid, {
      url: base,
      method: 'POST',
      headers,
      bodies: sendBodies,
      paths: chats.map((id) => `/v1/chats/${id}/messages`),
      connections: c,
      seconds: SECONDS,
    });
    log(`direct call to mock, ${c} client(s)`, direct);
    log(`send (JSON) via PocketLLM, ${c} client(s)`, send);
    log(`added p50 latency, ${c} client(s) (ms)`, r2(send.latency.p50 - direct.latency.p50));
  }

  // (c) time to first token, streamed, through PocketLLM vs the mock. The figure is the first `event: delta`
  // (first `data:` directly); `timed` alone would measure the whole stream, the answer's last commit included.
  // Its provider is the mock in a process of its own, as a real provider is: with the mock in this process,
  // the client's handling of message.created held up the provider's answer (0.5–1 ms of the figure).
  const ttftMock = runs('ttft') ? await startMockProcess() : null;
  const ttftToken = ttftMock ? await benchUser(base, `ttft-${email}`, ttftMock.url) : '';
  const ttftChats: string[] = [];
  if (ttftMock) {
    await timed(256, 16, async () => {
      ttftChats.push((await api<{ id: string }>(base, '/v1/chats', { token: ttftToken, body: {} })).id);
    });
  }
  const mockUrl = ttftMock?.url ?? '';
  for (const c of ttftMock ? TTFT_CLIENTS : []) {
    const direct: number[] = [];
    const directWhole = await timed(400, c, async () => {
      direct.push(
        await timeToFirstToken(
          `${mockUrl}/chat/completions`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: directBody.replace('}', ',"stream":true}'),
          },
          'data:',
        ),
      );
    });
    const viaApp: number[] = [];
    const viaAppWhole = await timed(400, c, async (i) => {
      viaApp.push(
        await timeToFirstToken(
          `${base}/v1/chats/${ttftChats[i % ttftChats.length]}/messages`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${ttftToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ content: `stream ${i}`, stream: true, cache: false }),
          },
          'event: delta',
        ),
      );
    });
    const d = summarize(direct);
    const a = summarize(viaApp);
    log(`TTFT direct, ${c} client(s) (ms)`, d);
    log(`TTFT via PocketLLM, ${c} client(s) (ms)`, a);
    log(`TTFT added p50 / p99, ${c} client(s) (ms)`, [r2(a.p50 - d.p50), r2(a.p99 - d.p99)]);
    const dw = summarize(directWhole);
    const aw = summarize(viaAppWhole);
    log(`whole stream added p50 / p99, ${c} client(s) (ms)`, [r2(aw.p50 - dw.p50), r2(aw.p99 - dw.p99)]);
  }
  ttftMock?.close();

  // (c2) the OpenAI-compatible API with a personal key, side by side with the same direct call
  if (runs('openai'))
    await benchGateway({ base, token, mockUrl: mock.url, pid: server.pid, seconds: SECONDS, log });

  // (d) cache hits end to end at 32 clients: the same prompt, asked again in chats that already answered it
  if (runs('cache')) {
    const cacheChats = chats.slice(0, 32);
    await timed(32, 8, async (i) => {
      await api(base, `/v1/chats/${cacheChats[i]}/messages`, {
        token,
        body: { content: 'What is a benchmark?' },
      });
    });
    const direct = await load({
      url: `${mock.url}/chat/completions`,
      method: 'POST',
      bodies: [directBody],
      connections: 32,
      seconds: SECONDS,
    });
    const hit = await loadWithCpu(server.pid, {
      url: base,
      method: 'POST',
      headers,
      bodies: [JSON.stringify({ content: 'What is a benchmark?' })],
      paths: cacheChats.map((id) => `/v1/chats/${id}/messages`),
      connections: 32,
      seconds: SECONDS,
    });
    log('cache hit via PocketLLM, 32 clients', hit);
    log('cache hit added p50 / p99, 32 clients (ms)', {
      p50: r2(hit.latency.p50 - direct.latency.p50),
      p99: r2(hit.latency.p99 - direct.latency.p99),
    });
  }

  if (runs('me')) log('GET /v1/auth/me, 1 client (ms)', await authMe(base, mock.url, token, server.pid));

  // Login throughput at 16 clients
  if (runs('login'))
    log(
      'login, 16 clients',
      await load({
        url: `${base}/v1/auth/login`,
        method: 'POST',
        bodies: [JSON.stringify({ email, password: 'bench password 123' })],
        connections: 16,
        seconds: SECONDS,
      }),
    );

  // Data at scale: 10,000 chats for one user; one chat of 1,000 messages
  if (runs('scale')) {
    const t0 = performance.now();
    await timed(10_000 - chats.length, 32, async () => {
      await api(base, '/v1/chats', { token, body: {} });
    });
    log('seeding 10k chats (s)', Math.round((performance.now() - t0) / 100) / 10);
    const firstPage = await load({
      url: `${base}/v1/chats?limit=50`,
      headers,
      connections: 8,
      seconds: SECONDS / 2,
    });
    log('GET /chats first page, 8 clients', firstPage);
    let cursor: string | null = null;
    for (let i = 0; i < 150; i++) {
      const p: { next_cursor: string | null } = await api(
        base,
        `/v1/chats?limit=50${cursor ? `&cursor=${cursor}` : ''}`,
        { token },
      );
      cursor = p.next_cursor;
    }
    log(
      'GET /chats deep cursor (page 150), 8 clients',
      await load({
        url: `${base}/v1/chats?limit=50&cursor=${cursor}`,
        headers,
        connections: 8,
        seconds: SECONDS / 2,
      }),
    );
    const big = chats[chats.length - 1];
    await timed(500, 8, async (i) => {
      await api(base, `/v1/chats/${big}/messages`, {
        token,
        body: { content: `message ${i}`, cache: false },
      });
    });
    log(
      'open a chat of 1,000 messages (last 100), 8 clients',
      await load({ url: `${base}/v1/chats/${big}?limit=100`, headers, connections: 8, seconds: SECONDS / 2 }),
    );
  }

  // 1,000 streamed sends at once, each in its own chat, from a provider that sends a chunk every 20 ms
  if (runs('streams')) {
    const total = Number(process.env.BENCH_STREAMS ?? 1000);
    const own: string[] = [];
    await timed(total, 32, async () => {
      own.push((await api<{ id: string }>(base, '/v1/chats', { token, body: {} })).id);
    });
    mock.setPacing(20);
    const burstFrom = sinceStart();
    const result = await manyStreams({
      base,
      token,
      chats: own,
      pid: server.pid,
      expected: mock.reply,
      total,
    });
    mock.setPacing(0);
    log(`${total} concurrent streams, 20 ms/chunk`, { ...result, server_s: [burstFrom, sinceStart()] });

    // The same count with arrivals spread over BENCH_STREAMS_SPREAD_S (default 4 s) and answers of
    // BENCH_STREAMS_CHUNKS 20 ms chunks (default 300: 6 s), so that all of them are in flight at once: TTFT
    // while `total` streams run, not the time to store `total` turns arriving in the same millisecond.
    const spreadS = Number(process.env.BENCH_STREAMS_SPREAD_S ?? 4);
    const chunks = Number(process.env.BENCH_STREAMS_CHUNKS ?? 300);
    const long = await startMockProvider({ reply: 'word '.repeat(chunks).trim(), chunks });
    try {
      const token2 = await benchUser(base, `bench-long-${Date.now()}@example.com`, long.url);
      const own2: string[] = [];
      await timed(total, 32, async () => {
        own2.push((await api<{ id: string }>(base, '/v1/chats', { token: token2, body: {} })).id);
      });
      long.setPacing(20);
      const spreadFrom = sinceStart();
      const spread = await manyStreams({
        base,
        token: token2,
        chats: own2,
        pid: server.pid,
        expected: long.reply,
        total,
        spreadMs: spreadS * 1000,
      });
      log(`${total} streams in flight at once (arrivals over ${spreadS} s, ${chunks} x 20 ms chunks)`, {
        ...spread,
        server_s: [spreadFrom, sinceStart()],
      });
    } finally {
      await long.close();
    }
  }
  log('RSS after load (MB)', rssMb(server.pid));
  log('load average', loadavg().map(r2));
} finally {
  await server.stop();
  await mock.close();
  rmSync(dataDir, { recursive: true, force: true });
}

const outDir = path.join(process.cwd(), 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `bench-${Date.now()}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`\nwritten to ${path.relative(process.cwd(), file)}\n`);
