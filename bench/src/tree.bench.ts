/**
 * The message tree (issue 11/14): opening a chat of 1,000 messages spread over 10 branches, and what a
 * regeneration costs next to a send. Needs the built server (npm run build, or tsc -p contracts && tsc -p server).
 *
 *   node --import tsx bench/src/tree.bench.ts                      # PGlite
 *   BENCH_DATABASE_URL=postgres://… BENCH_REDIS_URL=redis://… node --import tsx bench/src/tree.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { api, benchEnv, benchUser, load, loadWithCpu, logLine, r2, startServer, timed } from './lib.js';
import { startMockProvider } from './mock-provider.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const PORT = Number(process.env.BENCH_PORT ?? 18_180);
const log = logLine(52);

const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-tree-bench-'));
const env = benchEnv(dataDir);

interface Turn {
  user_message: { id: string };
  assistant_message: { id: string };
}

const mock = await startMockProvider();
const server = await startServer(env, PORT);
const base = server.base;
log('engine', process.env.BENCH_DATABASE_URL ? 'postgres' : 'pglite');
try {
  const token = await benchUser(base, `tree-${Date.now()}@example.com`, mock.url);
  const headers = { authorization: `Bearer ${token}` };

  // 1,000 messages over 10 branches: a trunk of 100 turns, then 9 branches, each an edit of the trunk's
  // prompt number 10·k followed by 43 turns; the last branch gets 4 more. The chat shows the last branch.
  const t0 = performance.now();
  const chat = (await api<{ id: string }>(base, '/v1/chats', { token, body: {} })).id;
  const sendTurn = (content: string) =>
    api<Turn>(base, `/v1/chats/${chat}/messages`, { token, body: { content, cache: false } });
  const trunk: Turn[] = [];
  for (let i = 0; i < 100; i++) trunk.push(await sendTurn(`trunk ${i}`));
  for (let k = 1; k <= 9; k++) {
    const fork = trunk[10 * k]?.user_message.id ?? '';
    await api(base, `/v1/messages/${fork}/edit`, { token, body: { content: `branch ${k}` } });
    for (let i = 0; i < 43 + (k === 9 ? 4 : 0); i++) await sendTurn(`branch ${k} turn ${i}`);
  }
  const opened = await api<{ message_count: number; messages: unknown[] }>(
    base,
    `/v1/chats/${chat}?limit=500`,
    {
      token,
    },
  );
  log('seeded (s) / messages / current path length', [
    Math.round((performance.now() - t0) / 100) / 10,
    opened.message_count,
    opened.messages.length,
  ]);

  for (const [limit, c] of [
    [100, 1],
    [100, 8],
    [500, 1],
  ] as const) {
    log(
      `open the chat (limit=${limit}), ${c} client(s)`,
      await load({
        url: `${base}/v1/chats/${chat}?limit=${limit}`,
        headers,
        connections: c,
        seconds: SECONDS / 2,
      }),
    );
  }

  // A send next to a regeneration, 1 client, non-streaming, the cache out of both: 32 chats of 3 turns each.
  const chats: string[] = [];
  const answers: string[] = [];
  await timed(32, 4, async () => {
    const id = (await api<{ id: string }>(base, '/v1/chats', { token, body: {} })).id;
    let last: Turn | undefined;
    for (let i = 0; i < 3; i++)
      last = await api<Turn>(base, `/v1/chats/${id}/messages`, {
        token,
        body: { content: `q${i}`, cache: false },
      });
    chats.push(id);
    if (last) answers.push(last.assistant_message.id);
  });
  for (const c of [1, 8]) {
    const send = await loadWithCpu(server.pid, {
      url: base,
      method: 'POST',
      headers,
      bodies: Array.from({ length: 32 }, (_, i) => JSON.stringify({ content: `more ${i}`, cache: false })),
      paths: chats.map((id) => `/v1/chats/${id}/messages`),
      connections: c,
      seconds: SECONDS,
    });
    const regen = await loadWithCpu(server.pid, {
      url: base,
      method: 'POST',
      headers,
      bodies: ['{}'],
      paths: answers.map((id) => `/v1/messages/${id}/regenerate`),
      connections: c,
      seconds: SECONDS,
    });
    log(`send (JSON), ${c} client(s)`, send);
    log(`regenerate (JSON), ${c} client(s)`, regen);
  }
  log('load average (1, 5, 15 min)', loadavg().map(r2));
} finally {
  await server.stop();
  await mock.close();
  rmSync(dataDir, { recursive: true, force: true });
}
