/** Background work (job workers, schedulers, log flushers) that starts after migrations and stops before exit. */
export interface Managed {
  name: string;
  start?(): Promise<void> | void;
  /**
   * Finish or hand back running work; called once, in reverse start order. `since` is when the shutdown began
   * (performance.now()), so a grace period counts from then, not from when earlier items were done.
   */
  stop?(since: number): Promise<void> | void;
}

/** Where stop times go (a pino logger fits), so a slow shutdown says what it waited for. */
export interface LifecycleLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class Lifecycle {
  private readonly items: Managed[] = [];
  private started = false;
  private stopping: Promise<void> | null = null;

  constructor(private readonly log?: LifecycleLog) {}

  add(item: Managed): void {
    this.items.push(item);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const item of this.items) await item.start?.();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const since = performance.now();
      for (const item of [...this.items].reverse()) {
        if (!item.stop) continue;
        const started = performance.now();
        // One item failing to stop must not keep the others (and the answers they store) from stopping.
        try {
          await item.stop(since);
        } catch (err) {
          this.log?.error({ err, item: item.name }, 'could not stop background work');
        }
        this.log?.info({ item: item.name, ms: Math.round(performance.now() - started) }, 'stopped');
      }
    })();
    return this.stopping;
  }
}
