import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, benchEnv, rssMb, startServer } from './lib.js';
import { startMockProvider } from './mock-provider.js';
import { benchGateway } from './openai-gateway.js';

// Only the OpenAI-compatible API scenario (npm run bench runs it too, with everything else):
//   npm run build && node --import tsx bench/src/openai.bench.ts
// BENCH_CPU_PROF=<dir> writes the server's CPU profile there (node --cpu-prof) when it stops.

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const PORT = Number(process.env.BENCH_PORT ?? 18_090);
const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-bench-openai-'));
const profDir = process.env.BENCH_CPU_PROF;
// benchEnv: the metrics token the memory sampler scrapes /metrics with, and PostgreSQL/Redis when set.
const env = benchEnv(dataDir, { RATE_LIMIT_API_KEY_PER_MIN: '100000000' });
const mock = await startMockProvider();
// The first start migrates the new data directory (PGlite's memory stays high after it): measure a second one.
await (await startServer(env, PORT)).stop();
const server = await startServer(env, PORT, profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []);
await new Promise((r) => setTimeout(r, 1500));
const log = (title: string, value: unknown) =>
  process.stdout.write(`${title.padEnd(44)} ${JSON.stringify(value)}\n`);
log('openai: idle RSS (MB)', rssMb(server.pid));
try {
  const auth = await api<{ access_token: string }>(server.base, '/v1/auth/register', {
    body: { email: `bench-${Date.now()}@example.com`, password: 'bench password 123' },
  });
  await api(server.base, '/v1/providers/activate', {
    token: auth.access_token,
    body: { provider: 'openai', api_key: 'sk-bench-0123456789', base_url: mock.url },
  });
  await benchGateway({
    base: server.base,
    token: auth.access_token,
    mockUrl: mock.url,
    pid: server.pid,
    seconds: SECONDS,
    log,
  });
} finally {
  await server.stop();
  await mock.close();
  rmSync(dataDir, { recursive: true, force: true });
}
