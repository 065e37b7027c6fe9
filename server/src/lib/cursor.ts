import { AppError } from '../errors.js';

/** Opaque keyset cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === arity &&
      parsed.every((p) => typeof p === 'string' || typeof p === 'number')
    ) {
      return parsed;
    }
  } catch {
    // fall through to the 400 below
  }
  throw new AppError('validation_error', 'cursor: invalid cursor', { details: { field: 'cursor' } });
}

/** Fetches limit+1 rows: the extra row only tells whether there is a next page. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => (string | number)[]) {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items, nextCursor: hasMore && last ? encodeCursor(keyOf(last)) : null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor holding one row id (lists ordered by UUIDv7 id); a tampered one is a 400, not a SQL error. */
export function decodeIdCursor(cursor: string): string {
  const [id] = decodeCursor(cursor, 1);
  if (typeof id === 'string' && UUID.test(id)) return id;
  throw new AppError('validation_error', 'cursor: invalid cursor', { details: { field: 'cursor' } });
}

// An ISO instant as cursors carry it (toISOString, or to_char with microseconds).
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** A cursor holding a timestamp and a row id (lists ordered by time, then id). */
export function decodeTimeIdCursor(cursor: string): { at: string; id: string } {
  const [at, id] = decodeCursor(cursor, 2);
  if (
    typeof at === 'string' &&
    ISO_INSTANT.test(at) &&
    !Number.isNaN(Date.parse(at)) &&
    typeof id === 'string' &&
    UUID.test(id)
  ) {
    return { at, id };
  }
  throw new AppError('validation_error', 'cursor: invalid cursor', { details: { field: 'cursor' } });
}
