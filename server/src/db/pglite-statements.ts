import { type PGlite, parse, protocol, type QueryOptions, type Results } from '@electric-sql/pglite';

// PGlite's own query() makes six calls into the WASM backend per statement (parse, describe, bind, describe,
// execute, sync) and has PostgreSQL parse and analyse the text every time: on the send path that was most of
// a send's CPU. Here each distinct SQL text is parsed once into a named prepared statement (its parameter types
// kept), and every later run is a single call carrying bind + execute + sync (and describe, on its first run
// only). Results, parameter serialisation and errors are PGlite's own (the same parsers and serializers, the
// same DatabaseError).

const { serialize } = protocol;
const { parseResults, parseDescribeStatementResults } = parse;

/** How many statements stay prepared; past it the oldest is closed (hot statements are re-prepared at once). */
export const MAX_PREPARED = 256;

// SQLSTATEs after which the prepared statement is dropped and the run retried once, prepared again:
// 26000 (no such statement, e.g. after DISCARD ALL) and 0A000 (cached plan must not change result type).
const STALE = new Set(['26000', '0A000']);

type BackendMessage = Awaited<ReturnType<PGlite['execProtocol']>>['messages'][number];

interface Prepared {
  name: string;
  types: number[];
  /**
   * Its result's RowDescription, from its first run (null: it returns no rows), so later runs skip Describe:
   * PostgreSQL builds it and PGlite decodes every column name on each run (half of a small statement's cost). It
   * holds as long as the statement does: a change of the result's shape fails the run (0A000), and the
   * statement is prepared, and described, again.
   */
  description?: BackendMessage | null;
}

interface PgliteInternals {
  _checkReady(): Promise<void>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
  serializers: Record<number, (v: unknown) => string>;
  parsers: Record<number, (v: string, typeId?: number) => unknown>;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

type Parsers = PgliteInternals['parsers'];

/**
 * parseResults(messages, parsers, options) copies `{...parsers, ...options.parsers}` on every call when options
 * carry parsers (Drizzle's always do, to keep dates as text): 318 entries, 0.1 ms a statement, more than the rest
 * of parsing a small result. The same lookups, with the options' parsers layered over the client's instead; the
 * layered table is kept in `tables` (one per client) per options' parsers object: a Drizzle prepared query passes
 * the same one every time.
 */
export function layeredParsers(
  parsers: Parsers,
  options: QueryOptions | undefined,
  tables: WeakMap<object, Parsers>,
): [Parsers, QueryOptions | undefined] {
  if (!options?.parsers) return [parsers, options];
  const { parsers: own, ...rest } = options;
  let table = tables.get(own);
  if (!table) {
    table = Object.assign(Object.create(parsers) as Parsers, own);
    tables.set(own, table);
  }
  return [table, rest];
}

const sqlState = (err: unknown) =>
  err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;

/**
 * Makes `client.query` run through named prepared statements (see above). Statements inside
 * `client.transaction` and queries with a blob (COPY) keep PGlite's own path. Returns the client.
 */
export function preparedStatements(client: PGlite, max = MAX_PREPARED): PGlite {
  const pg = client as unknown as PgliteInternals & PGlite;
  const original = client.query.bind(client);
  const statements = new Map<string, Prepared>();
  const parserTables = new WeakMap<object, Parsers>();
  let seq = 0;

  async function prepare(text: string, options: QueryOptions | undefined): Promise<Prepared> {
    const name = `pllm_${++seq}`;
    const parts = [serialize.parse({ name, text, types: options?.paramTypes ?? [] })];
    parts.push(serialize.describe({ type: 'S', name }), serialize.sync());
    const { messages } = await client.execProtocol(concat(parts), { syncToFs: false });
    const prepared = { name, types: parseDescribeStatementResults(messages) };
    statements.set(text, prepared);
    if (statements.size > max) {
      const [oldText, old] = statements.entries().next().value as [string, Prepared];
      statements.delete(oldText);
      await client.execProtocol(concat([serialize.close({ type: 'S', name: old.name }), serialize.sync()]), {
        syncToFs: false,
      });
    }
    return prepared;
  }

  async function run<T>(text: string, params: unknown[], options: QueryOptions | undefined) {
    let st = statements.get(text);
    if (st) {
      // Most recently used last: the Map's order is the eviction order.
      statements.delete(text);
      statements.set(text, st);
    } else {
      st = await prepare(text, options);
    }
    const types = st.types;
    const values = params.map((v, i) => {
      if (v === null || v === undefined) return null;
      const t = types[i] as number;
      const s = options?.serializers?.[t] ?? pg.serializers[t];
      return s ? s(v) : String(v);
    });
    const known = st.description;
    const bind = serialize.bind({ statement: st.name, values });
    const bytes =
      known === undefined
        ? concat([bind, serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()])
        : concat([bind, serialize.execute({}), serialize.sync()]);
    const { messages } = await client.execProtocol(bytes, { syncToFs: false });
    await client.syncToFs();
    if (known === undefined) st.description = messages.find((m) => m.name === 'rowDescription') ?? null;
    else if (known) messages.unshift(known);
    const [parsers, rest] = layeredParsers(pg.parsers, options, parserTables);
    return parseResults(messages, parsers, rest)[0] as Results<T>;
  }

  async function query<T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    if (options?.blob) return original<T>(text, params, options);
    await pg._checkReady();
    return pg._runExclusiveTransaction(() =>
      pg._runExclusiveQuery(async () => {
        try {
          return await run<T>(text, params, options);
        } catch (err) {
          if (!STALE.has(sqlState(err) ?? '')) throw err;
          statements.delete(text);
          return run<T>(text, params, options);
        }
      }),
    );
  }

  Object.defineProperty(client, 'query', { value: query, configurable: true, writable: true });
  return client;
}
