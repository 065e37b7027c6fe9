/**
 * The sending routes side by side, 1 client, JSON, cache bypassed: a send into a chat, a new chat's first
 * message (POST /v1/chats/new/messages), a regeneration and an edit. Each request is timed on its own (to
 * 0.01 ms, where autocannon rounds to whole ms) and the server's CPU per request is read from /proc.
 * Needs the built server (npm run build); BENCH_ROUNDS (default 300) requests per route.
 *
 *   node --import tsx bench/src/send-paths.bench.ts                      # PGlite
 *   BENCH_DATABASE_URL=postgres://… BENCH_REDIS_URL=redis://… node --import tsx bench/src/send-paths.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { api, benchEnv, benchUser, cpuSeconds, logLine, r2, startServer } from './lib.js';
import { startMockProvider } from './mock-provider.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const PORT = Number(process.env.BENCH_PORT ?? 18_190);
const log = logLine(40);

interface Turn {
  user_message: { id: string; chat_id: string };
  assistant_message: { id: string };
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-send-paths-'));
const mock = await startMockProvider();
// BENCH_NODE_ARGS: extra node flags for the server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
const server = await startServer(benchEnv(dataDir), PORT, process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean));
const base = server.base;
log('engine', process.env.BENCH_DATABASE_URL ? 'postgres' : 'pglite');
try {
  const token = await benchUser(base, `paths-${Date.now()}@example.com`, mock.url);
  const post = (url: string, body: object) => api<Turn>(base, url, { token, body });
  // A regeneration skips the cache by itself, the sends are told to; an edit's prompts are all new.
  const fresh = { cache: false };
  let n = 0;
  // 32 chats of one turn: the sends, regenerations and edits rotate over them.
  const turns: Turn[] = [];
  for (let i = 0; i < 32; i++)
    turns.push(await post('/v1/chats/new/messages', { content: `seed ${i}`, ...fresh }));
  const turn = (i: number) => turns[i % turns.length] as Turn;

  const routes: [string, (i: number) => Promise<unknown>][] = [
    [
      'send',
      (i) => post(`/v1/chats/${turn(i).user_message.chat_id}/messages`, { content: `more ${i}`, ...fresh }),
    ],
    ['new chat', (i) => post('/v1/chats/new/messages', { content: `new ${i}`, ...fresh })],
    ['regenerate', (i) => post(`/v1/messages/${turn(i).assistant_message.id}/regenerate`, {})],
    ['edit', (i) => post(`/v1/messages/${turn(i).user_message.id}/edit`, { content: `edit ${i} ${++n}` })],
  ];
  // Warm-up: every route's statements prepared and its code optimised before anything is timed.
  for (const [, send] of routes) for (let i = 0; i < 50; i++) await send(i);
  for (const [name, send] of routes) {
    const ms: number[] = [];
    const cpu0 = cpuSeconds(server.pid);
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      await send(i);
      ms.push(performance.now() - t0);
    }
    const cpuMs = ((cpuSeconds(server.pid) - cpu0) * 1000) / ROUNDS;
    ms.sort((a, b) => a - b);
    const at = (q: number) => r2(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0);
    log(`${name}: p50 / p95 ms, CPU ms per request`, [at(0.5), at(0.95), r2(cpuMs)]);
  }
  log('load average (1, 5, 15 min)', loadavg().map(r2));
} finally {
  await server.stop();
  await mock.close();
  rmSync(dataDir, { recursive: true, force: true });
}
