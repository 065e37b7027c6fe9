import type { z } from 'zod';

/**
 * Rows of a raw `db.execute(sql…)` result, validated by `schema`. Drizzle types that result as unknown
 * (PGlite and node-postgres both return `{ rows }`), so it is checked rather than cast.
 */
export function sqlRows<S extends z.ZodType>(result: unknown, schema: S): z.infer<S>[] {
  if (!result || typeof result !== 'object' || !('rows' in result) || !Array.isArray(result.rows)) {
    throw new Error('raw query returned no rows array');
  }
  return result.rows.map((row: unknown) => schema.parse(row));
}

/**
 * The one row an `insert … returning` (or upsert) gives back. PostgreSQL always returns it, so its absence is
 * a broken statement, not a user error; `statement` names it in the message.
 */
export function returnedRow<T>(rows: readonly T[], statement = 'insert'): T {
  const [row] = rows;
  if (!row) throw new Error(`${statement} returned no row`);
  return row;
}
