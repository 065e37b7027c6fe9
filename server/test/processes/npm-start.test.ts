import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-server.js';
import { testEngine } from '../helpers/test-db.js';

// `npm start` as a self-hoster (or systemd, or a supervisor) runs it, then SIGTERM to npm's own process:
// npm passes the signal to its child, so that child must be the server itself, not a shell that dies alone
// and leaves the server running without a parent. Embedded database: one run is enough (no PostgreSQL).
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-npm-start-'));
const started: number[] = [];

/** Every process below `pid` (Linux /proc), children first. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(() => {
  // Whatever this test started and is still running (the bug this test is about leaves the server behind).
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe.runIf(testEngine() === 'pglite')('npm start under SIGTERM', () => {
  it('stops the whole process tree gracefully when npm is sent SIGTERM', { timeout: 400_000 }, async () => {
    // npm start builds first when the build is stale; do that here, outside the timed part.
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], {
      cwd: ROOT,
      stdio: 'pipe',
      timeout: 300_000,
    });
    expect(built.status, String(built.stderr)).toBe(0);

    const port = await freePort();
    const npm: ChildProcess = spawn('npm', ['start'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        JWT_SECRET: 'npm-start-test-jwt-secret-that-is-long-enough-0123456789',
        ENCRYPTION_KEY: 'npm-start-test-encryption-key-long-enough-01',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(npm.pid ?? 0);
    let logs = '';
    npm.stdout?.on('data', (d) => {
      logs += String(d);
    });
    npm.stderr?.on('data', (d) => {
      logs += String(d);
    });
    const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));

    const ready = async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
      } catch {
        return false;
      }
    };
    await until('the server behind npm start to be ready', ready, 120_000);
    const tree = descendants(npm.pid ?? 0);
    started.push(...tree);
    expect(tree.length, 'npm runs the server as a child').toBeGreaterThan(0);
    // It runs with scripts/node-env's variables (glibc's malloc arenas: README, Node flags).
    const server = tree.find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('scripts/start.mjs'),
    );
    const environ = readFileSync(`/proc/${server}/environ`, 'utf8').split('\0');
    for (const assignment of readFileSync(path.join(ROOT, 'scripts/node-env'), 'utf8')
      .split(/\s+/)
      .filter(Boolean))
      expect(environ).toContain(assignment);
    // The bundle it loads is Latin-1, which V8 holds at one byte a character (server/bundle.mjs).
    const chunks = path.join(ROOT, 'server/dist/chunks');
    for (const file of readdirSync(chunks).filter((f) => f.endsWith('.js')))
      expect(/[\u0100-\u{10ffff}]/u.test(readFileSync(path.join(chunks, file), 'utf8')), file).toBe(false);

    npm.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The server got the signal too: it shut down its own way (not killed) and nothing is left running.
    await until('every process below npm to end', () => tree.every((pid) => !alive(pid)), 20_000);
    expect(logs).toContain('shutting down: finishing running work');
    expect(await ready()).toBe(false);
  });
});
