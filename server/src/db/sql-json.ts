import { type SQL, sql } from 'drizzle-orm';

// For reads the database answers as the API's JSON (features/chats/reads.repository.ts): the SQL forms of what
// the mappers do in JS.

/** A timestamptz as Date#toISOString writes it (UTC, milliseconds truncated like a JS Date's, `Z`). */
export const isoInstantSql = (column: SQL) =>
  sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
