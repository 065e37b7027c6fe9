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
 * logger by services and by work a request started (an answer still streaming after the response).
 */
export function logContextFields(): Partial<LogContext> {
  return logContext.getStore() ?? {};
}
