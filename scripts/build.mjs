#!/usr/bin/env node
// Builds contracts, server and portal, but only when a source is newer than the last build: `npm start`
// calls this, so restarting an installed server costs a directory walk instead of a rebuild.
// `--force` always builds. No dependencies: it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, 'server', 'dist', '.build-stamp');
const INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.base.json',
  'contracts/src',
  'contracts/package.json',
  'contracts/tsconfig.json',
  'server/src',
  'server/package.json',
  'server/bundle.mjs',
  'server/tsconfig.json',
  'web/src',
  'web/public',
  'web/index.html',
  'web/package.json',
  'web/tsconfig.json',
  'web/vite.config.ts',
];
const OUTPUTS = ['contracts/dist/index.js', 'server/dist/main.js', 'web/dist/index.html'];
// Tests and migrations are read from the sources at run time or not at all: they never need a rebuild.
const IGNORED = /\.test\.tsx?$|(^|\/)(test|e2e)\/|\.sql$|_journal\.json$|_snapshot\.json$/;

function newestInput(rel) {
  const full = path.join(root, rel);
  if (!existsSync(full)) return 0;
  const st = statSync(full);
  if (!st.isDirectory()) return IGNORED.test(rel) ? 0 : st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(full, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    newest = Math.max(newest, newestInput(`${rel}/${entry.name}`));
  }
  return newest;
}

/** Why a build is needed, or null when the one on disk is current. */
export function staleReason() {
  const missing = OUTPUTS.find((o) => !existsSync(path.join(root, o)));
  if (missing) return `${missing} is missing`;
  if (!existsSync(STAMP)) return 'no build stamp';
  const built = statSync(STAMP).mtimeMs;
  const changed = INPUTS.find((i) => newestInput(i) > built);
  return changed ? `${changed} changed since the last build` : null;
}

export function build() {
  // The stamp is written before the build starts: a source saved during the build is then newer than it.
  const started = new Date();
  for (const workspace of ['contracts', 'server', 'web']) {
    const res = spawnSync('npm', ['run', 'build', '-w', workspace], { cwd: root, stdio: 'inherit' });
    if (res.status !== 0) process.exit(res.status ?? 1);
  }
  writeFileSync(STAMP, `${started.toISOString()}\n`);
  utimesSync(STAMP, started, started);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const reason = process.argv.includes('--force') ? 'forced' : staleReason();
  if (reason) {
    process.stderr.write(`pocketllm: building (${reason})\n`);
    build();
  }
}
