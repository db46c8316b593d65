/**
 * A small typed event emitter. Unlike node:events, an `error` with no listener is not
 * thrown, and a listener that throws can't break the client: both are logged.
 */

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, unknown[]>();

  constructor(private readonly onListenerError: (event: string, error: unknown) => void) {}

  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): void {
    const list = this.listeners.get(event);
    if (list) list.push(listener);
    else this.listeners.set(event, [listener]);
  }

  off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): void {
    const list = this.listeners.get(event);
    if (!list) return;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return;
    for (const listener of [...list]) {
      try {
        (listener as unknown as (...a: Events[K]) => void)(...args);
      } catch (e) {
        this.onListenerError(String(event), e);
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
