import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { BENCH_METRICS_TOKEN } from './memory.js';

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

/** Two decimals, as every bench line prints its figures. */
export const r2 = (x: number) => Math.round(x * 100) / 100;

export const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) : 0;

export function summarize(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    p50: r2(percentile(s, 50)),
    p95: r2(percentile(s, 95)),
    p99: r2(percentile(s, 99)),
    mean: r2(mean),
  };
}

/** Runs `fn` `total` times with `concurrency` in flight; returns per-call latencies in ms. */
export async function timed(
  total: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await fn(i);
        out.push(performance.now() - t0);
      }
    }),
  );
  return out;
}

export interface LoadResult {
  rps: number;
  latency: Latency;
  errors: number;
  non2xx: number;
  requests: number;
}

/** autocannon for `seconds` at `connections`; `bodies` rotate so each request can target another chat. */
export async function load(opts: {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  bodies?: string[];
  paths?: string[];
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    connections: opts.connections,
    duration: opts.seconds,
    headers: { 'content-type': 'application/json', ...opts.headers },
    requests: [
      {
        setupRequest: (req) => {
          const n = i++;
          const body = opts.bodies?.[n % opts.bodies.length];
          const path = opts.paths?.[n % opts.paths.length];
          return { ...req, ...(body ? { body } : {}), ...(path ? { path } : {}) };
        },
      },
    ],
  });
  return {
    rps: Math.round(result.requests.average),
    latency: {
      p50: result.latency.p50,
      p95: result.latency.p97_5,
      p99: result.latency.p99,
      mean: result.latency.average,
    },
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `load` against the server with process id `pid`, with that server's CPU time per request (ms) beside it. */
export async function loadWithCpu(
  pid: number,
  opts: Parameters<typeof load>[0],
): Promise<LoadResult & { cpu_ms_per_request: number }> {
  const cpu0 = cpuSeconds(pid);
  const res = await load(opts);
  const cpuMs = ((cpuSeconds(pid) - cpu0) * 1000) / Math.max(1, res.requests);
  return { ...res, cpu_ms_per_request: r2(cpuMs) };
}

export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
}

/**
 * The environment `npm start` and the container add (scripts/node-env: glibc's malloc arenas); BENCH_NODE_ENV
 * replaces it (even empty: glibc's defaults), for A/B runs.
 */
export const SERVER_NODE_ENV = Object.fromEntries(
  (process.env.BENCH_NODE_ENV ?? readFileSync('scripts/node-env', 'utf8'))
    .split(/\s+/)
    .filter(Boolean)
    .map((assignment) => [
      assignment.slice(0, assignment.indexOf('=')),
      assignment.slice(assignment.indexOf('=') + 1),
    ]),
);

/**
 * The node flags `npm start` and the container start the server with (scripts/node-flags); BENCH_NODE_FLAGS
 * replaces them (even empty: V8's defaults), for A/B runs of V8 settings.
 */
export const SERVER_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? readFileSync('scripts/node-flags', 'utf8'))
  .split(/\s+/)
  .filter(Boolean);

/**
 * Starts the built server as `npm start` does (SERVER_NODE_ENV, SERVER_NODE_FLAGS, then `nodeArgs`, e.g. `--cpu-prof`) and
 * resolves once /readyz answers 200, with the time that took.
 */
export async function startServer(env: Record<string, string>, port: number, nodeArgs: string[] = []) {
  const t0 = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [...SERVER_NODE_FLAGS, ...nodeArgs, 'server/dist/main.js'],
    {
      env: {
        ...process.env,
        ...SERVER_NODE_ENV,
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = Math.round(performance.now() - t0);
  return {
    base,
    readyMs,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function api<T>(
  base: string,
  path: string,
  init: { method?: string; token?: string; body?: unknown } = {},
) {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** Time to the first SSE `delta` (or the first data chunk for a plain provider stream). */
export async function timeToFirstToken(url: string, init: RequestInit, marker: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, init);
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  let seen = '';
  let ttft = -1;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (ttft < 0) {
      seen += decoder.decode(value, { stream: true });
      if (seen.includes(marker)) ttft = performance.now() - t0;
    }
  }
  return ttft;
}

/**
 * Starts the server from its TypeScript source (for benches that also import server code) on `port`;
 * resolves with the child once /readyz answers 200. `env` (DATA_DIR at least) goes over the defaults.
 */
export function startSourceServer(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=pocketllm-source', '--import', 'tsx', 'server/src/main.ts'],
    {
      env: {
        ...process.env,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        INVITE_REQUIRED: 'false',
        RATE_LIMIT_AUTH_PER_MIN: '1000',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    const poll = async () => {
      if (child.exitCode !== null) return reject(new Error('server exited'));
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return resolve(child);
      } catch {
        // not up yet
      }
      setTimeout(poll, 50);
    };
    void poll();
  });
}

/** The built server's environment for a load bench: `dataDir`, limits out of the way, PostgreSQL/Redis when set. */
export function benchEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    RATE_LIMIT_AUTH_PER_MIN: '1000000',
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    RATE_LIMIT_CHAT_PER_MIN: '1000000',
    INVITE_REQUIRED: 'false',
    ...extra,
    ...(process.env.BENCH_DATABASE_URL
      ? {
          DATABASE_URL: process.env.BENCH_DATABASE_URL,
          JWT_SECRET: 'bench-jwt-secret-0123456789-0123456789',
          ENCRYPTION_KEY: 'bench-encryption-key-0123456789-012345',
          ALLOW_PRIVATE_ENDPOINTS: 'true',
        }
      : {}),
    ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}),
  };
}

/** A bench's result line: the title padded to `width`, then the value as JSON. */
export const logLine =
  (width: number) =>
  (title: string, value: unknown): void => {
    process.stdout.write(`${title.padEnd(width)} ${JSON.stringify(value)}\n`);
  };

/** Registers `email` and points its default model at the mock provider (`mockUrl`); the access token. */
export async function benchUser(base: string, email: string, mockUrl: string): Promise<string> {
  const auth = await api<{ access_token: string }>(base, '/v1/auth/register', {
    body: { email, password: 'bench password 123' },
  });
  const token = auth.access_token;
  await api(base, '/v1/providers/activate', {
    token,
    body: { provider: 'openai', api_key: 'sk-bench-0123456789', base_url: mockUrl },
  });
  await api(base, '/v1/model-configs', {
    token,
    body: { name: 'bench', provider: 'openai', model: 'bench-model', is_default: true },
  });
  return token;
}
