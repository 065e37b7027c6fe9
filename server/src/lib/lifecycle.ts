/** Background work (job workers, schedulers, log flushers) that starts after migrations and stops before exit. */
export interface Managed {
  name: string;
  start?(): Promise<void> | void;
  /** Finish or hand back running work; called once, in reverse start order. */
  stop?(): Promise<void> | void;
}

export class Lifecycle {
  private readonly items: Managed[] = [];
  private started = false;
  private stopping: Promise<void> | null = null;

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
      for (const item of [...this.items].reverse()) await item.stop?.();
    })();
    return this.stopping;
  }
}
