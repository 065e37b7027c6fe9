import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { benchEnv, cpuSeconds, rssMb, startServer, summarize } from './lib.js';

// `node --import tsx bench/src/startup.bench.ts`: process start → /readyz 200 of the built server, on a new data
// dir and then BENCH_RESTARTS (default 7) times on the same one, with the idle RSS after each restart settled.
// BENCH_CPU_PROF=<dir> writes one CPU profile per start there. BENCH_DATABASE_URL runs it on PostgreSQL.

const PORT = Number(process.env.BENCH_PORT ?? 18_080);
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 7);
const r2 = (x: number) => Math.round(x * 100) / 100;
const log = (title: string, value: unknown) =>
  process.stdout.write(`${title.padEnd(40)} ${JSON.stringify(value)}\n`);
// BENCH_NODE_ARGS (space-separated) are passed to node before the script, for A/B runs of V8 flags.
const nodeArgs = [
  ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
];

const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-startup-'));
const env = benchEnv(dataDir);
log('load average at start', loadavg().map(r2));
try {
  const first = await startServer(env, PORT, nodeArgs);
  log('first start, new data dir (ms)', first.readyMs);
  await first.stop();
  const ready: number[] = [];
  const rss: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RESTARTS; i++) {
    const server = await startServer(env, PORT, nodeArgs);
    ready.push(server.readyMs);
    // CPU the process used up to /readyz: on a loaded machine a steadier figure than the wall time.
    cpu.push(Math.round(cpuSeconds(server.pid) * 1000));
    await new Promise((r) => setTimeout(r, 1500));
    rss.push(rssMb(server.pid));
    await server.stop();
  }
  log('restart, existing data dir (ms)', { ...summarize(ready), all: ready });
  log('restart CPU to ready (ms)', { ...summarize(cpu), all: cpu });
  log('idle RSS after restart (MB)', { ...summarize(rss), all: rss });
  log('load average at end', loadavg().map(r2));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
