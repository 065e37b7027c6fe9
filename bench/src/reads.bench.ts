import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { api, benchEnv, benchUser, loadWithCpu, r2, startServer, summarize, timed } from './lib.js';
import { startMockProvider } from './mock-provider.js';

// The two reads of the `scale` phase (issue 14) for A/B work: `GET /v1/chats?limit=50` over 10,000 chats and
// opening a chat of 1,000 messages (`?limit=100`), with the server's CPU per request beside the latency.
// The data is seeded once into READS_DIR (kept, like BENCH_DATABASE_URL's database), so later runs only measure:
// `READS_DIR=/tmp/reads-pglite node --import tsx bench/src/reads.bench.ts` (after `npm run build`).
// BENCH_SECONDS per load (default 6); BENCH_CPU_PROF=<dir> profiles the server during the loads only.

const dir = process.env.READS_DIR ?? '/tmp/pocketllm-reads';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const PORT = Number(process.env.BENCH_PORT ?? 18_090);
const log = (title: string, value: unknown) =>
  process.stdout.write(`${title.padEnd(40)} ${JSON.stringify(value)}\n`);
mkdirSync(dir, { recursive: true });
const statePath = path.join(dir, 'reads-state.json');
const env = benchEnv(dir, { RATE_LIMIT_API_KEY_PER_MIN: '100000000' });
const password = 'bench password 123';

interface State {
  email: string;
  big: string;
}

async function seed(): Promise<State> {
  const mock = await startMockProvider();
  const server = await startServer(env, PORT);
  try {
    const email = `reads-${Date.now()}@example.com`;
    const token = await benchUser(server.base, email, mock.url);
    const chats: string[] = [];
    await timed(10_000, 32, async () => {
      chats.push((await api<{ id: string }>(server.base, '/v1/chats', { token, body: {} })).id);
    });
    const big = chats[chats.length - 1] ?? '';
    await timed(500, 8, async (i) => {
      await api(server.base, `/v1/chats/${big}/messages`, {
        token,
        body: { content: `message ${i}`, cache: false },
      });
    });
    return { email, big };
  } finally {
    await server.stop();
    await mock.close();
  }
}

let state: State;
if (existsSync(statePath)) state = JSON.parse(readFileSync(statePath, 'utf8')) as State;
else {
  state = await seed();
  writeFileSync(statePath, JSON.stringify(state));
}

log('load average at start', loadavg().map(r2));
const prof = process.env.BENCH_CPU_PROF;
const server = await startServer(env, PORT, prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []);
try {
  const { base } = server;
  const { access_token: token } = await api<{ access_token: string }>(base, '/v1/auth/login', {
    body: { email: state.email, password },
  });
  const headers = { authorization: `Bearer ${token}` };
  const reads = {
    'GET /chats first page': `${base}/v1/chats?limit=50`,
    'open a chat of 1,000 messages': `${base}/v1/chats/${state.big}?limit=100`,
  };
  for (const [title, url] of Object.entries(reads)) {
    // warm-up, then one client alone (latency without queueing), then 8 clients as in the bench
    await timed(200, 4, async () => void (await fetch(url, { headers })).arrayBuffer());
    const alone = await timed(300, 1, async () => void (await fetch(url, { headers })).arrayBuffer());
    log(`${title}, 1 client`, summarize(alone));
    log(
      `${title}, 8 clients`,
      await loadWithCpu(server.pid, { url, headers, connections: 8, seconds: SECONDS }),
    );
  }
  log('load average at end', loadavg().map(r2));
} finally {
  await server.stop();
}
