import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.js';
import { createTestDatabaseUrl, testEngine, testRedisPrefix } from './test-db.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = path.join(ROOT, 'server/dist/main.js');
const BUILT = [MAIN, path.join(ROOT, 'contracts/dist/index.js')];
const SOURCES = [path.join(ROOT, 'server/src'), path.join(ROOT, 'contracts/src')];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

const isStale = () =>
  BUILT.some((f) => !existsSync(f)) ||
  Math.max(...SOURCES.map(newestSource)) > Math.min(...BUILT.map((f) => statSync(f).mtimeMs));

/**
 * Builds contracts and server (tsc) when server/dist is missing or older than its sources, so the suites
 * that start real processes run what the code says on a clean clone. Test files build one at a time.
 */
export async function ensureServerBuilt(): Promise<void> {
  const lock = path.join(tmpdir(), `pocketllm-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than a build can take is left by a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmdirSync(lock);
      if (Date.now() > deadline) throw new Error(`could not take the build lock ${lock}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!isStale()) return;
    for (const w of ['contracts', 'server']) {
      execFileSync('npm', ['run', 'build', '-w', w], { cwd: ROOT, stdio: 'pipe' });
    }
  } finally {
    rmdirSync(lock);
  }
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Every line the process wrote (JSON logs), for diagnosis and log assertions. */
  logs: string[];
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM by default) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** Starts `node server/dist/main.js` on a free port and waits until `/readyz` says ready. */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-proc-'));
  const proc: ChildProcess = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      MODELS_DIR: path.join(dataDir, 'models'),
      JWT_SECRET: 'process-test-jwt-secret-that-is-long-enough-0123456789',
      ENCRYPTION_KEY: 'process-test-encryption-key-long-enough-0123',
      INVITE_REQUIRED: 'false',
      ALLOW_PRIVATE_ENDPOINTS: 'true',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'info',
      LLAMA_THREADS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const collect = (chunk: Buffer) => logs.push(...String(chunk).split('\n').filter(Boolean));
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve(code);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    url,
    pid: proc.pid ?? 0,
    logs,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !ended) {
    try {
      if ((await call(url, 'GET', '/readyz')).body.status === 'ready') return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop('SIGKILL');
  throw new Error(`server did not become ready:\n${logs.slice(-20).join('\n')}`);
}

export interface CallResult {
  status: number;
  body: Record<string, unknown>;
}

/** One JSON request to a server process; `ip` is the client address it sees (TRUST_PROXY is on). */
export async function call(
  base: string,
  method: string,
  url: string,
  opts: { token?: string; body?: unknown; ip?: string } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.ip) headers['x-forwarded-for'] = opts.ip;
  const res = await fetch(`${base}${url}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  if (text) {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = { ...parsed };
  }
  return { status: res.status, body };
}

/** Whether suites of several real server processes can run: they share a PostgreSQL database and Redis. */
export const sharedStoresAvailable = (): boolean =>
  testEngine() === 'postgres' && Boolean(process.env.TEST_REDIS_URL);

/**
 * The environment of server processes that share one new PostgreSQL database and the test Redis (with one key
 * prefix of their own, so they hear each other's bus and no other run's), with `extra` over it.
 */
export async function sharedStoreEnv(
  extra: Record<string, string> = {},
  redisUrl = process.env.TEST_REDIS_URL ?? '',
): Promise<Record<string, string>> {
  return {
    DATABASE_URL: await createTestDatabaseUrl(),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: testRedisPrefix(),
    DB_POOL_SIZE: '4',
    ...extra,
  };
}

/** Two server processes with `env` (each over its own `envs` entry when given), once the build is current. */
export async function startPair(
  env: Record<string, string>,
  envs: [Record<string, string>, Record<string, string>] = [{}, {}],
): Promise<[ServerProcess, ServerProcess]> {
  await ensureServerBuilt();
  return Promise.all([startServer({ ...env, ...envs[0] }), startServer({ ...env, ...envs[1] })]);
}
