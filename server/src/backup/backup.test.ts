import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../test/fakes/index.js';
import {
  expectInstallation,
  type Installation,
  seedInstallation,
} from '../../test/helpers/backup-scenario.js';
import { buildTestApp, json, type TestApp } from '../../test/helpers/build-test-app.js';
import { logIn, registerUser, type TestUser } from '../../test/helpers/factories.js';
import { testEngine } from '../../test/helpers/test-db.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { ArchiveWriter } from './archive.js';
import { pendingRestorePath } from './paths.js';
import { applyPendingRestore } from './runtime.js';

// The embedded database only: on PostgreSQL the routes answer 409 and pg-recipe.test.ts covers pg_dump.
const pglite = testEngine() === 'pglite';

let fake: FakeServer;
let t: TestApp;
let seed: Installation;
let archive: Buffer;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'pocketllm-restore-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: 'The lighthouse is remembered.' });
  t = await buildTestApp();
  seed = await seedInstallation(t.app, fake);
});
afterAll(async () => {
  await t.close();
  await fake.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An archive written by the backup's own writer, for archives the backup itself would never write. */
async function pack(fill: (w: ArchiveWriter) => Promise<void>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  const w = new ArchiveWriter(out);
  await fill(w);
  await w.finish();
  return Buffer.concat(chunks);
}

const backup = (headers: Record<string, string> | undefined) =>
  t.app.inject({ method: 'POST', url: '/v1/admin/backup', ...(headers ? { headers } : {}) });

const restore = (app: TestApp, admin: TestUser, body: Buffer) =>
  app.app.inject({
    method: 'POST',
    url: '/v1/admin/restore',
    headers: { ...admin.headers, 'content-type': 'application/gzip' },
    payload: body,
  });

describe.runIf(pglite)('backup → wipe → restore (embedded PGlite)', () => {
  it('downloads one archive while the server runs, audited', async () => {
    const res = await backup(seed.alice.headers);
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment; filename="pocketllm-backup-/);
    archive = res.rawPayload;
    expect(archive.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    // The archive carries no secret: neither the key nor the server's secrets appear in its bytes.
    const { gunzipSync } = await import('node:zlib');
    const plain = gunzipSync(archive);
    expect(plain.includes(seed.key)).toBe(false);
    expect(plain.includes(t.config.encryptionKey)).toBe(false);
    expect(plain.includes(t.config.jwtSecret)).toBe(false);
    const audit = json<{ entries: { action: string }[] }>(
      await t.app.inject({
        method: 'GET',
        url: '/v1/admin/audit?action=backup.create',
        headers: seed.alice.headers,
      }),
    );
    expect(audit.entries).toHaveLength(1);
  });

  it('restores on a wiped installation through the admin route, applied at the next start', async () => {
    const dataDir = tempDir();
    // The wiped installation: empty data, a first admin of its own, the same ENCRYPTION_KEY.
    const fresh = await buildTestApp({ env: { DATA_DIR: dataDir } });
    const stranger = await registerUser(fresh.app);
    const staged = await restore(fresh, stranger, archive);
    expect(staged.statusCode, staged.body).toBe(202);
    expect(json(staged)).toMatchObject({ status: 'staged', users: 2, files: 1 });
    const status = json<{ backup: { restore_pending: boolean } }>(
      await fresh.app.inject({ method: 'GET', url: '/v1/admin/status', headers: stranger.headers }),
    );
    expect(status.backup.restore_pending).toBe(true);
    await fresh.close();

    // The restart: main.ts applies the staged restore before it opens the database.
    const { config } = loadConfig({
      ...process.env,
      DATA_DIR: dataDir,
      ENCRYPTION_KEY: t.config.encryptionKey,
    });
    await applyPendingRestore(config, t.app.log);
    expect(existsSync(pendingRestorePath(dataDir))).toBe(false);
    const database = await openDatabase({ dataDir: path.join(dataDir, 'db') });
    const restored = await buildTestApp({ database, env: { DATA_DIR: dataDir } });
    try {
      await expectInstallation(restored.app, fake, seed);
      // The stranger of the wiped installation is gone with the data it replaced.
      const login = await logIn(restored.app, stranger.email, stranger.password);
      expect(login.statusCode).toBe(401);
    } finally {
      await restored.close();
      await database.close();
    }
  });

  it('refuses foreign, damaged and other-key archives with a clear 400, leaving the data untouched', async () => {
    const otherTar = await pack(async (w) => {
      await w.add('etc/passwd', 3, Buffer.from('abc'));
    });
    const truncated = archive.subarray(0, Math.floor(archive.length / 2));
    const flipped = Buffer.from(archive);
    const at = Math.floor(flipped.length * 0.6);
    flipped[at] = (flipped[at] ?? 0) ^ 0xff;
    const cases: [string, Buffer, RegExp][] = [
      ['random bytes', Buffer.from('definitely not a backup'), /not a PocketLLM backup/],
      ['another tar.gz', otherTar, /not a PocketLLM backup \(it starts with etc\/passwd\)/],
      ['cut short', truncated, /damaged/],
      ['a flipped byte', flipped, /damaged/],
    ];
    for (const [what, body, message] of cases) {
      const res = await restore(t, seed.alice, body);
      expect(res.statusCode, what).toBe(400);
      expect(json(res), what).toMatchObject({
        error: {
          code: 'validation_error',
          details: { field: 'archive' },
          message: expect.stringMatching(message),
        },
      });
    }
    const otherKey = await buildTestApp({
      env: { ENCRYPTION_KEY: 'another-encryption-key-that-is-long-enough-0' },
    });
    try {
      const admin = await registerUser(otherKey.app);
      const res = await restore(otherKey, admin, archive);
      expect(res.statusCode).toBe(400);
      expect(json<{ error: { message: string } }>(res).error.message).toMatch(/another ENCRYPTION_KEY/);
    } finally {
      await otherKey.close();
    }
    // Nothing staged, nothing left behind, and the running data still works.
    expect(existsSync(pendingRestorePath(t.config.dataDir))).toBe(false);
    expect(readdirSync(t.config.dataDir).filter((n) => n.startsWith('.restore-'))).toEqual([]);
    const chat = await t.app.inject({
      method: 'GET',
      url: `/v1/chats/${seed.chatId}`,
      headers: seed.alice.headers,
    });
    expect(chat.statusCode).toBe(200);
  });

  it('refuses an archive whose manifest does not list an entry', async () => {
    const header = Buffer.from(
      JSON.stringify({
        format: 'pocketllm-backup',
        version: 1,
        created_at: new Date().toISOString(),
        engine: 'pglite',
        key_id: 'x',
        app_version: '0',
      }),
    );
    const body = await pack(async (w) => {
      const sha256 = await w.add('pocketllm-backup.json', header.length, header);
      await w.add('files/extra.txt', 2, Buffer.from('hi'));
      const manifest = Buffer.from(
        JSON.stringify({
          format: 'pocketllm-backup',
          entries: [{ name: 'pocketllm-backup.json', size: header.length, sha256 }],
        }),
      );
      await w.add('manifest.json', manifest.length, manifest);
    });
    const res = await restore(t, seed.alice, body);
    expect(res.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(res).error.message).toMatch(
      /files\/extra.txt is not in its manifest/,
    );
  });

  it('answers 400 naming the archive without a body, 403 to a user, 401 without a token', async () => {
    const empty = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/restore',
      headers: { ...seed.alice.headers, 'content-type': 'application/gzip' },
    });
    expect(empty.statusCode).toBe(400);
    expect(json(empty)).toMatchObject({ error: { details: { field: 'archive' } } });
    expect((await backup(seed.bob.headers)).statusCode).toBe(403);
    expect((await restore(t, seed.bob, archive)).statusCode).toBe(403);
    expect((await backup(undefined)).statusCode).toBe(401);
    const anon = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/restore',
      headers: { 'content-type': 'application/gzip' },
      payload: archive,
    });
    expect(anon.statusCode).toBe(401);
  });
});

describe.runIf(!pglite)('backup routes on PostgreSQL', () => {
  it('answer 409 pointing at pg_dump', async () => {
    const res = await backup(seed.alice.headers);
    expect(res.statusCode).toBe(409);
    expect(json<{ error: { message: string } }>(res).error.message).toMatch(/pg_dump/);
    const up = await restore(t, seed.alice, Buffer.from('x'));
    expect(up.statusCode).toBe(409);
  });
});
