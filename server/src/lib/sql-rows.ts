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
