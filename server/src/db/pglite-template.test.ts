import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from './client.js';
import { writeTemplate } from './make-pglite-template.js';
import { migrationsFolder, runMigrations } from './migrate.js';
import { isNewDataDir } from './pglite-template.js';

let dir: string;
let template: string;
const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
  entries: unknown[];
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pglite-template-'));
  template = path.join(dir, 'template.tar.gz');
  await writeTemplate(template);
  // initdb runs in WASM here: on a busy machine it takes far longer than a hook's default minute.
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Rows<T> = { rows: T[] }[];

async function applied(dataDir: string, templateFile: string) {
  const database = await openDatabase({ dataDir, templateFile });
  try {
    const one = async <T>(text: string) =>
      ((await database.withConnection((q) => q(text))) as Rows<T>)[0]?.rows ?? [];
    const [state] = await one<{ migrated: boolean }>(
      "select to_regclass('public.users') is not null as migrated",
    );
    const migrations = state?.migrated
      ? (await one<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations'))[0]?.n
      : 0;
    await runMigrations(database);
    await one(
      `insert into users (id, email, password_hash) values (gen_random_uuid(), 'a@example.com', 'x')`,
    );
    const emails = (await one<{ email: string }>('select email from users')).map((r) => r.email);
    return { migrations, emails };
  } finally {
    await database.close();
  }
}

describe('the embedded database template', { timeout: 300_000 }, () => {
  it('starts a new data directory migrated, and it works like one made by initdb', async () => {
    const result = await applied(path.join(dir, 'new'), template);
    // Every migration is already in the copy: none had to run at start.
    expect(result.migrations).toBe(journal.entries.length);
    expect(result.emails).toEqual(['a@example.com']);
  });

  it('initialises a new data directory as before when the template is damaged or missing', async () => {
    const damaged = path.join(dir, 'damaged.tar.gz');
    writeFileSync(damaged, 'not a tar');
    for (const file of [damaged, path.join(dir, 'missing.tar.gz')]) {
      const dataDir = path.join(dir, `db-${path.basename(file)}`);
      const result = await applied(dataDir, file);
      expect(result.migrations).toBe(0);
      expect(result.emails).toEqual(['a@example.com']);
    }
  });

  it('counts only an empty or absent directory as new', () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    expect(isNewDataDir(empty)).toBe(true);
    expect(isNewDataDir(path.join(dir, 'absent'))).toBe(true);
    expect(isNewDataDir(path.join(dir, 'new'))).toBe(false);
  });
});
