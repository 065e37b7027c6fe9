/**
 * What one feature tells the others inside this process, after the fact. Features that react subscribe when
 * they are built, so no service needs a callback into one built after it (the composition root's order stays
 * a matter of dependencies only). Events for other instances go through the EventBus (lib/event-bus.ts).
 */
export interface DomainEventMap {
  /** The account and its rows are gone; what lives outside the database (files) follows. */
  'account.deleted': { userId: string };
  /**
   * What a user's models resolve to changed: a provider credential (`provider` = its name), a local endpoint
   * (`provider` = 'local'), or a model configuration (no `provider`: nothing to drop from the catalogue).
   */
  'models.changed': { userId: string; provider?: string };
}

export type DomainEventName = keyof DomainEventMap;
type Handler<K extends DomainEventName> = (payload: DomainEventMap[K]) => Promise<void> | void;

export interface DomainEvents {
  on<K extends DomainEventName>(name: K, handler: Handler<K>): void;
  /** Runs every handler in subscription order and resolves when all are done; the first failure rejects. */
  emit<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): Promise<void>;
}

export function createDomainEvents(): DomainEvents {
  const handlers: { [K in DomainEventName]: Handler<K>[] } = { 'account.deleted': [], 'models.changed': [] };
  return {
    on(name, handler) {
      handlers[name].push(handler);
    },
    async emit(name, payload) {
      for (const handler of handlers[name]) await handler(payload);
    },
  };
}
