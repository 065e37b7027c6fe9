import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RUNS_BUILT, SERVER_ROOT } from '../lib/package-root.js';

/**
 * A new embedded database starts from a copy of one made at build time (initialised and migrated), not from
 * initdb: initdb ran PostgreSQL's bootstrap in WASM on every first start (most of its 5 s). The copy holds only
 * what initdb and the migrations make, nothing of an installation. Migrations newer than the copy are applied at
 * start as always; without a copy (a build that skipped it) a new database is initialised as before.
 * `node server/dist/db/make-pglite-template.js` writes it (the server's npm build runs it).
 */
export const templatePath = path.join(
  SERVER_ROOT,
  RUNS_BUILT ? 'dist' : 'src',
  'db',
  'pglite-template.tar.gz',
);

/** True when `dataDir` holds no database yet (PostgreSQL writes PG_VERSION first). */
export function isNewDataDir(dataDir: string): boolean {
  return !existsSync(dataDir) || readdirSync(dataDir).length === 0;
}

/** The template to start a new data directory from, or undefined when there is none (or it is unreadable). */
export function readTemplate(file = templatePath): Blob | undefined {
  try {
    return new Blob([readFileSync(file)]);
  } catch {
    return undefined;
  }
}
