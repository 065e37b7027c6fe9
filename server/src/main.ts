import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { pendingRestorePath } from './backup/paths.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { createLogger, prettyDestination } from './plugins/logger.js';

// Only what every start needs is imported up front; the backup code (a staged restore, the control socket)
// and the Redis client load when this installation uses them, so a restart does not pay for them.

async function main() {
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pocketllm: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { config, warnings } = loaded;
  // A person at a terminal reads lines; anything else (containers, systemd, files) gets JSON.
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY);
  const logger = createLogger(config.logLevel, pretty ? await prettyDestination() : undefined);
  for (const w of warnings) logger.warn(w);

  if (!config.databaseUrl && existsSync(pendingRestorePath(config.dataDir))) {
    const { applyPendingRestore } = await import('./backup/runtime.js');
    await applyPendingRestore(config, logger);
  }
  // Set before PGlite compiles its module; V8 reads these flags per compiled module.
  if (!config.databaseUrl && config.pgliteWasmTier === 'baseline') setFlagsFromString('--liftoff-only');
  // The database opens (PGlite compiles its WASM off the main thread) while the app's modules load.
  const opening = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: `${config.dataDir}/db`,
    poolSize: config.dbPoolSize,
    sharedBuffersMb: config.pgliteSharedBuffersMb,
  });
  opening.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
  const { buildApp } = await import('./app.js');
  const database = await opening;
  let redis: Redis | null = null;
  if (config.redisUrl) {
    const { createRedis, waitForRedis } = await import('./lib/redis.js');
    redis = createRedis({ url: config.redisUrl, prefix: config.redisPrefix, logger });
    if (!(await waitForRedis(redis)))
      logger.warn('redis did not answer at start; running degraded until it does');
  }
  const app: FastifyInstance = await buildApp(config, { database, logger, redis });

  // Listen first so /healthz answers at once; /readyz turns 200 once migrations are applied.
  await app.listen({ port: config.port, host: config.host });
  await runMigrations(database);
  await app.ctx.lifecycle.start();
  app.ctx.state.ready = true;
  logger.info(
    {
      url: `http://${config.host}:${config.port}`,
      database: database.kind,
      redis: Boolean(redis),
      // Wall and CPU time from process start: the CPU figure is what a restart costs on an idle machine.
      startup_ms: Math.round(process.uptime() * 1000),
      startup_cpu_ms: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
    },
    'PocketLLM is ready',
  );
  if (database.dumpDataDir) {
    const { serveControlSocket } = await import('./backup/runtime.js');
    serveControlSocket(config, database, logger);
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing running work');
    app.ctx.state.ready = false;
    const force = setTimeout(() => {
      logger.warn('shutdown grace period over; exiting');
      process.exit(0);
    }, config.shutdownGraceMs + 5000);
    force.unref();
    try {
      // Stops listening at once; resolves when every connection has closed.
      const closed = app.close();
      // Running answers get their grace from now, not after the HTTP server has closed (it waits for those very
      // answers' streams); app.close() runs the same, memoised, lifecycle stop.
      await app.ctx.lifecycle.stop();
      // The answers' streams have ended; the keep-alive sockets they leave idle would hold close() until each
      // client drops them. Requests still in flight get a moment more.
      app.server.closeIdleConnections();
      const moment = setTimeout(() => app.server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(moment);
      redis?.disconnect();
      await database.close();
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `pocketllm failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
