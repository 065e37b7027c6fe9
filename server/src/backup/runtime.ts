import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { SecretBox } from '../lib/crypto.js';
import { APP_VERSION } from '../lib/version.js';
import { applyRestore, type BackupSource, writeBackup } from './backup.js';
import { controlSocketPath, pendingRestorePath } from './paths.js';

/** What a backup of this installation reads; null on PostgreSQL (pg_dump's job, see the README). */
export function backupSourceOf(config: Config, database: Database): BackupSource | null {
  const dump = database.dumpDataDir;
  if (!dump) return null;
  return {
    dumpDataDir: dump,
    filesDir: config.filesDir,
    keyId: new SecretBox(config.encryptionKey).keyId,
    appVersion: APP_VERSION,
  };
}

/** At start, before the database opens: a restore staged through the admin route replaces db/ and files/. */
export async function applyPendingRestore(config: Config, logger: Logger): Promise<void> {
  const pending = pendingRestorePath(config.dataDir);
  if (config.databaseUrl || !existsSync(pending)) return;
  const aside = await applyRestore(pending, config.dataDir);
  logger.warn({ replaced_data: aside }, 'restored the staged backup; the data it replaced is kept aside');
}

/**
 * Serves `npm run backup` on DATA_DIR/control.sock while the embedded server runs, so the CLI gets the same
 * consistent copy as the admin route instead of opening the database a second time.
 */
export function serveControlSocket(config: Config, database: Database, logger: Logger): Server | null {
  const source = backupSourceOf(config, database);
  if (!source) return null;
  const socket = controlSocketPath(config.dataDir);
  // A socket left by a process that was killed answers nobody; a live server holds the database anyway.
  if (existsSync(socket)) unlinkSync(socket);
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/backup') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/gzip' });
    writeBackup(source, res).catch((err: unknown) => {
      logger.error({ err }, 'backup over the control socket failed');
      res.destroy();
    });
  });
  server.on('error', (err) =>
    logger.warn({ err }, 'control socket unavailable; npm run backup needs a stopped server'),
  );
  server.listen({ path: socket }, () => chmodSync(socket, 0o600));
  server.unref();
  process.once('exit', () => {
    try {
      unlinkSync(socket);
    } catch {
      // already gone
    }
  });
  return server;
}
