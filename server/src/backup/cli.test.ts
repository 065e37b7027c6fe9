import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../test/fakes/index.js';
import {
  expectInstallation,
  type Installation,
  seedInstallation,
} from '../../test/helpers/backup-scenario.js';
import { buildTestApp, type TestApp } from '../../test/helpers/build-test-app.js';
import { testEngine } from '../../test/helpers/test-db.js';
import { openDatabase } from '../db/client.js';
import { serveControlSocket } from './runtime.js';

// `npm run backup` / `npm run restore` as a self-hoster runs them: a separate process on the same DATA_DIR.
const serverDir = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'pocketllm-cli-'));

let fake: FakeServer;
let t: TestApp;
let seed: Installation;

/** Async: the control socket under test answers from this very process, so it must not be blocked. */
function cli(args: string[], dataDir: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=pocketllm-source', 'src/backup/cli.ts', ...args],
    {
      cwd: serverDir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATA_DIR: dataDir,
        JWT_SECRET: t.config.jwtSecret,
        ENCRYPTION_KEY: t.config.encryptionKey,
      },
    },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  child.stderr.on('data', (d) => {
    out += String(d);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    }),
  );
}

beforeAll(async () => {
  if (testEngine() !== 'pglite') return;
  fake = await startFakeOpenAI({ reply: 'The lighthouse is remembered.' });
  t = await buildTestApp();
  seed = await seedInstallation(t.app, fake);
});
afterAll(async () => {
  if (testEngine() !== 'pglite') return;
  await t.close();
  await fake.close();
  rmSync(work, { recursive: true, force: true });
});

describe.runIf(testEngine() === 'pglite')('npm run backup / npm run restore', () => {
  it('backs up a running server through its control socket, restores onto a wiped DATA_DIR', {
    timeout: 240_000,
  }, async () => {
    const control = serveControlSocket(t.config, t.database, t.app.log);
    const file = path.join(work, 'nightly.tar.gz');
    try {
      await new Promise((r) => setTimeout(r, 50));
      const made = await cli(['backup', file], t.config.dataDir);
      expect(made.out).toContain('from the running server');
      expect(made.code).toBe(0);
      // A restore under a running server is refused: it would replace the database it has open.
      const refused = await cli(['restore', file], t.config.dataDir);
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(/PocketLLM is running on this DATA_DIR: stop it first/);
    } finally {
      await new Promise((r) => control?.close(r));
    }

    const wiped = path.join(work, 'wiped');
    const restored = await cli(['restore', file], wiped);
    expect(restored.out).toMatch(/restored 2 users and 1 files/);
    expect(restored.code).toBe(0);

    // Refusals leave the restored data as it is.
    const junk = path.join(work, 'junk.tar.gz');
    writeFileSync(junk, 'not an archive at all');
    const bad = await cli(['restore', junk], wiped);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/pocketllm: This is not a PocketLLM backup/);
    expect((await cli(['restore', path.join(work, 'missing.tar.gz')], wiped)).out).toMatch(/does not exist/);

    // A stopped server is backed up by opening its database directly.
    const offline = await cli(['backup', path.join(work, 'offline.tar.gz')], wiped);
    expect(offline.out).toContain('server stopped');
    expect(existsSync(path.join(work, 'offline.tar.gz'))).toBe(true);

    const database = await openDatabase({ dataDir: path.join(wiped, 'db') });
    const app = await buildTestApp({ database, env: { DATA_DIR: wiped } });
    try {
      await expectInstallation(app.app, fake, seed);
    } finally {
      await app.close();
      await database.close();
    }
  });
});
