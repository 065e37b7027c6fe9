import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import { type Database, drizzleOptions } from './client.js';

// PostgreSQL through node-postgres, apart from client.ts so an embedded start does not load it.

export function fromPool(pool: pg.Pool): Database {
  const db = drizzlePg({ client: pool, ...drizzleOptions });
  return {
    db,
    kind: 'postgres',
    async withConnection(fn) {
      const conn = await pool.connect();
      try {
        return await fn((text) => conn.query(text));
      } finally {
        conn.release();
      }
    },
    migrate: (migrationsFolder) => migratePg(db, { migrationsFolder }),
    close: () => pool.end(),
  };
}
