/** One chat request, as the chat engine reports it to telemetry.record(). */
export interface RequestLogEntry {
  userId: string;
  chatId?: string | null;
  messageId?: string | null;
  provider: string;
  model: string;
  localEndpointId?: string | null;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
  ttftMs?: number | null;
  cacheHit: boolean;
  status: 'ok' | 'error' | 'aborted';
  errorCode?: string | null;
  /** The personal API key's name (requests through /openai/v1). */
  apiKeyName?: string | null;
  /** When it happened; defaults to the moment record() is called. */
  at?: Date;
}
