import type { Db } from './client.js';

/**
 * Prepared statements belong to one database handle: `perDb(prepare)` is the function that gives a handle's
 * statements, preparing them the first time it is asked for that handle.
 */
export function perDb<T>(prepare: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let s = made.get(db);
    if (!s) {
      s = prepare(db);
      made.set(db, s);
    }
    return s;
  };
}
