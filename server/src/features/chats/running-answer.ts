import type { Message, MessageMetadata } from '@pocketllm/contracts';
import type { MessageRow } from '../../db/schema/index.js';
import type { ChatRequest, LlmProvider } from '../../llm/types.js';

/** What a listener of a running answer hears. `offset` is the answer's length after the event. */
export type GenerationEvent =
  | { type: 'delta'; content: string; offset: number }
  | { type: 'completed'; message: Message }
  | { type: 'failed'; message: Message; error: { code: string; message: string } };

export interface GenerationOutcome {
  message: Message;
  status: 'completed' | 'failed' | 'aborted';
  latencyMs: number;
  ttftMs: number | null;
  tokensIn: number;
  tokensOut: number;
  error?: { code: string; message: string };
  /** Why the provider failed (ProviderError kind), when it did. */
  errorKind?: string;
}

export interface StartOptions {
  message: MessageRow;
  provider: LlmProvider;
  request: Omit<ChatRequest, 'signal'>;
  /** Facts stored in the answer's metadata from the start (provider, model, failover…). */
  metadata: MessageMetadata;
  onFinished?: (outcome: GenerationOutcome) => void;
}

/**
 * One answer being written. It belongs to the server, not to the HTTP connection that asked for it.
 * `content` is the text so far; listeners hear it grow in deltas when `flush()` tells them (at once, or a few
 * deltas together when many answers run: answer-pacing.ts), and always before the answer's end.
 */
export class Generation {
  content = '';
  finished: GenerationOutcome | null = null;
  /** Stopped by shutdown, not by the user: stored as failed (interrupted), not aborted. */
  interrupted = false;
  readonly controller = new AbortController();
  /** The writer's bookkeeping of partial saves: length last saved, when, and the save in flight if any. */
  saved = 0;
  savedAt = performance.now();
  saving: Promise<unknown> | null = null;
  /** The provider's stream is over: only the answer's last word is left to store. */
  streamEnded = false;
  private told = 0;
  private readonly listeners = new Set<(e: GenerationEvent) => void>();
  readonly done: Promise<GenerationOutcome>;
  private resolveDone!: (o: GenerationOutcome) => void;

  constructor(
    readonly messageId: string,
    readonly chatId: string,
    readonly userId: string,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  subscribe(listener: (e: GenerationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: GenerationEvent) {
    for (const l of this.listeners) l(event);
  }

  /** Tells listeners the text added since they last heard, as one delta. */
  flush() {
    if (this.content.length === this.told) return;
    const content = this.content.slice(this.told);
    this.told = this.content.length;
    this.emit({ type: 'delta', content, offset: this.told });
  }

  finish(outcome: GenerationOutcome) {
    this.flush();
    this.finished = outcome;
    this.emit(
      outcome.status === 'failed' && outcome.error
        ? { type: 'failed', message: outcome.message, error: outcome.error }
        : { type: 'completed', message: outcome.message },
    );
    this.listeners.clear();
    this.resolveDone(outcome);
  }
}
