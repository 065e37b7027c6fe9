import { AsyncLocalStorage } from 'node:async_hooks';

/** The ids every log line of a request carries, wherever in the code it is written. */
export interface LogContext {
  request_id: string;
  user_id?: string;
  chat_id?: string;
}

export const logContext = new AsyncLocalStorage<LogContext>();

/**
 * pino's `mixin`: adds the current request's ids to every line, including lines written through the root
 * logger by services and by work a request started (an answer still streaming after the response). A
 * request's own logger already binds request_id (so its lines keep it even outside the context, e.g. in a
 * socket's close listener); it is not added a second time there.
 */
export function logContextFields(
  _line: object,
  _level: number,
  logger: { bindings(): Record<string, unknown> },
): Partial<LogContext> {
  const store = logContext.getStore();
  if (!store) return {};
  if (!('request_id' in logger.bindings())) return store;
  const { request_id: _bound, ...rest } = store;
  return rest;
}
