import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { logContextFields } from '../lib/log-context.js';

/** Anything that could hold a secret, wherever it sits in a logged object. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'current_password',
  '*.current_password',
  'new_password',
  '*.new_password',
  'passwordHash',
  '*.passwordHash',
  'api_key',
  '*.api_key',
  'apiKey',
  '*.apiKey',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'jwtSecret',
  'encryptionKey',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
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
      err: pino.stdSerializers.err,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
