import { mkdirSync, rmSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { preparedStatements } from './pglite-statements.js';
import { isNewDataDir, readTemplate } from './pglite-template.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** The one database type every repository takes: the same on PGlite and node-postgres. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Run raw SQL on one dedicated connection (advisory locks must hold on a single session). */
  withConnection<T>(fn: (query: (sql: string) => Promise<unknown>) => Promise<T>): Promise<T>;
  /** Apply the migrations in `folder` (callers hold the migration lock). */
  migrate(folder: string): Promise<void>;
  /** PGlite only: a tar of its data directory, taken while the app runs (see fromPglite). */
  dumpDataDir?: () => Promise<Blob>;
  close(): Promise<void>;
}

export const drizzleOptions = { schema, casing: 'snake_case' } as const;

export function fromPglite(client: PGlite): Database {
  // Every statement through a named prepared statement: one call into WASM instead of six (pglite-statements.ts).
  preparedStatements(client);
  const db = drizzlePglite({ client, ...drizzleOptions });
  return {
    db,
    kind: 'pglite',
    // PGlite has one connection: it is always "the same session".
    withConnection: (fn) => fn((text) => client.exec(text)),
    migrate: (migrationsFolder) => migratePglite(db, { migrationsFolder }),
    // The checkpoint keeps the copy's WAL short; the transaction mutex keeps any transaction from being
    // half-way through while the files are copied. What commits between the two is in the WAL, replayed
    // on load like after a crash, so the copy is always a consistent, committed state.
    async dumpDataDir() {
      await client.exec('checkpoint');
      return client._runExclusiveTransaction(() => client.dumpDataDir('none'));
    },
    close: () => client.close(),
  };
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  /** PGlite data directory, used when no URL is given. */
  dataDir: string;
  poolSize?: number;
  /**
   * PGlite's shared_buffers. Its default (128 MB) lives inside the WASM heap, which never shrinks: it was a third
   * of the idle process. Data past it comes from the OS's file cache at the cost of a read.
   */
  sharedBuffersMb?: number;
  /** A new PGlite data directory starts from this template (pglite-template.ts); default: the built one. */
  templateFile?: string;
}

/** PostgreSQL when a URL is given, else PGlite on disk. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) {
    // node-postgres and its Drizzle driver load only here: the embedded default never needs them.
    const [{ default: pg }, { fromPool }] = await Promise.all([import('pg'), import('./postgres.js')]);
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 20,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
    });
    // A pool error (server restart) must never crash the process; the next query reconnects.
    pool.on('error', () => {});
    return fromPool(pool);
  }
  const template = isNewDataDir(opts.dataDir) ? readTemplate(opts.templateFile) : undefined;
  mkdirSync(opts.dataDir, { recursive: true });
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${opts.sharedBuffersMb ?? 16}MB`];
  if (template) {
    try {
      return fromPglite(await PGlite.create(opts.dataDir, { startParams, loadDataDir: template }));
    } catch {
      // A damaged template must not keep a new installation from starting: initialise it as without one.
      rmSync(opts.dataDir, { recursive: true, force: true });
      mkdirSync(opts.dataDir, { recursive: true });
    }
  }
  return fromPglite(await PGlite.create(opts.dataDir, { startParams }));
}
