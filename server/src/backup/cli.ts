import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { SecretBox } from '../lib/crypto.js';
import { ArchiveError } from './archive.js';
import { applyRestore, checkBackup, writeBackup } from './backup.js';
import { controlSocketPath } from './paths.js';
import { backupSourceOf } from './runtime.js';

// `npm run backup -- <file>` and `npm run restore -- <file>` for the embedded database.

const say = (line: string) => process.stdout.write(`${line}\n`);

class CliError extends Error {}

/** The running server's backup stream, or null when no server answers on the control socket. */
function askRunningServer(socket: string): Promise<Readable | null> {
  if (!existsSync(socket)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'POST', path: '/backup' }, (res) => {
      if (res.statusCode === 200) resolve(res);
      else reject(new CliError(`the running server refused the backup (${res.statusCode})`));
    });
    // A stale socket (the server was killed): nobody listens, so the server is not running.
    req.on('error', () => resolve(null));
    req.end();
  });
}

function refuseIfInUse(dbDir: string) {
  if (existsSync(path.join(dbDir, 'postmaster.pid'))) {
    throw new CliError(
      `${dbDir} is in use (postmaster.pid): stop PocketLLM first. If it is not running, it was not shut down ` +
        'cleanly: start it and stop it once.',
    );
  }
}

async function backup(file: string) {
  const { config } = loadConfig();
  if (config.databaseUrl)
    throw new CliError('DATABASE_URL is set: back up PostgreSQL with pg_dump (see the README)');
  const target = path.resolve(file);
  const partial = `${target}.partial`;
  const live = await askRunningServer(controlSocketPath(config.dataDir));
  try {
    if (live) {
      await pipeline(live, createWriteStream(partial, { mode: 0o600 }));
    } else {
      const dbDir = path.join(config.dataDir, 'db');
      if (!existsSync(dbDir)) throw new CliError(`no database in ${dbDir}: nothing to back up`);
      refuseIfInUse(dbDir);
      const database = await openDatabase({ dataDir: dbDir });
      try {
        const source = backupSourceOf(config, database);
        if (!source) throw new CliError('this database cannot be backed up here');
        await writeBackup(source, createWriteStream(partial, { mode: 0o600 }));
      } finally {
        await database.close();
      }
    }
    await rename(partial, target);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  say(`backup written to ${target} (${live ? 'from the running server' : 'server stopped'})`);
}

async function restore(file: string) {
  const { config } = loadConfig();
  if (config.databaseUrl)
    throw new CliError('DATABASE_URL is set: restore PostgreSQL with pg_restore (see the README)');
  const source = path.resolve(file);
  if (!existsSync(source)) throw new CliError(`${source} does not exist`);
  const socket = controlSocketPath(config.dataDir);
  const live = await askRunningServer(socket);
  if (live) {
    live.destroy();
    throw new CliError(
      'PocketLLM is running on this DATA_DIR: stop it first (or restore from Admin → Status, which applies at the next start)',
    );
  }
  refuseIfInUse(path.join(config.dataDir, 'db'));
  const checked = await checkBackup(
    createReadStream(source),
    config.dataDir,
    new SecretBox(config.encryptionKey).keyId,
  );
  const aside = await applyRestore(checked.dir, config.dataDir);
  say(
    `restored ${checked.users} users and ${checked.files} files from the backup of ${checked.header.created_at}; ` +
      `the data it replaced is in ${aside}`,
  );
}

async function main() {
  const [command, file] = process.argv.slice(2);
  if ((command !== 'backup' && command !== 'restore') || !file) {
    throw new CliError('usage: npm run backup -- <file>  |  npm run restore -- <file>');
  }
  if (command === 'backup') await backup(file);
  else await restore(file);
}

main().catch((err: unknown) => {
  const known = err instanceof CliError || err instanceof ArchiveError || err instanceof ConfigError;
  process.stderr.write(
    `pocketllm: ${known ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
