import { DrizzleQueryError } from 'drizzle-orm/errors';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import { logContextFields } from '../lib/log-context.js';
import { scrubField, scrubObject } from './log-redact.js';

/** Fields that a serializer rewrites: their serializer's output is scrubbed, not the raw value. */
const SERIALIZED = new Set(['req', 'err']);

// What a database error may say about itself. `detail`, `where` and `internalQuery` are left out: they
// quote row values ("Key (email)=(…) already exists").
const DB_ERROR_FIELDS = ['code', 'severity', 'constraint', 'table', 'column', 'dataType', 'routine'] as const;

/** PostgreSQL quotes the offending input at the end of some messages: `invalid input syntax for type uuid: "…"`. */
const withoutQuotedValue = (message: string) => message.replace(/: ".*"$/s, ': "[redacted]"');

/**
 * A failed query is logged by its statement and the database's error, never its parameters (user text):
 * Drizzle's error carries them in `params` and in its message and stack, so it is rebuilt, not filtered.
 * The driver's error (the cause) keeps only its code, names and a message without the quoted value.
 */
export function serializeError(err: unknown): unknown {
  let query: DrizzleQueryError | undefined;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof DrizzleQueryError) query = e;
  }
  if (!query || !(err instanceof Error)) return pino.stdSerializers.err(err as Error);
  const cause: unknown = query.cause;
  const db: Record<string, unknown> = {};
  if (cause instanceof Error) {
    db.message = withoutQuotedValue(cause.message);
    for (const key of DB_ERROR_FIELDS) if (key in cause) db[key] = Reflect.get(cause, key);
  }
  const header = `${err.name}: ${err.message}`;
  // Only the frames: the stack's first line repeats the message, and a query error's message holds the values.
  const frames = err.stack?.startsWith(header) ? err.stack.slice(header.length) : '';
  const message = err === query ? `Failed query: ${query.query}` : err.message;
  return {
    type: err.constructor.name,
    message,
    stack: `${err.name}: ${message}${frames}`,
    query: query.query,
    db,
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    // Secrets are censored by these formatters, not pino's `redact` (see log-redact.ts for why).
    formatters: {
      log: (object) => scrubObject(object, SERIALIZED),
      bindings: (bindings) => scrubObject(bindings),
    },
    base: { service: 'pocketllm' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // request_id, user_id and chat_id of the request this line belongs to (see lib/log-context.ts).
    mixin: logContextFields,
    serializers: {
      // Only method and path: query strings may carry signed-URL tokens.
      req: (req: { method?: string; url?: string; id?: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url?.split('?')[0],
      }),
      err: (err: unknown) => scrubField(serializeError(err)),
    },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // A child's bindings skip formatters.bindings (pino applies it to the root's only). Children inherit from
  // their parent (pino makes them with Object.create), so this covers every descendant, fastify's per-request
  // logger too.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, scrubObject(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

/**
 * The terminal format (pino-pretty): one line per entry with its time (UTC), level, message and fields, an
 * error's stack below it; the fields every line carries are left out. Machines get JSON (see main.ts).
 */
export const PRETTY_OPTIONS = {
  translateTime: 'HH:MM:ss.l',
  ignore: 'pid,hostname,service',
  singleLine: true,
} satisfies PrettyOptions;

/** A destination writing pretty lines to stdout, loaded only when a terminal asks for it. */
export async function prettyDestination(): Promise<DestinationStream> {
  const { default: pretty } = await import('pino-pretty');
  // sync: the last lines before process.exit (end of shutdown, a failed start) reach the terminal.
  return pretty({ ...PRETTY_OPTIONS, sync: true });
}
