/**
 * Per-service state of a balancer (one balancer may serve several services). Created
 * on first use; the last service looked up is remembered, so a balancer used for one
 * service pays a string comparison rather than a map lookup per pick.
 */
export class ServiceStates<T> {
  private readonly map = new Map<string, T>();
  private lastService: string | undefined;
  private last: T | undefined;

  constructor(private readonly create: () => T) {}

  get(service: string): T {
    if (service === this.lastService) return this.last as T;
    let state = this.map.get(service);
    if (state === undefined) {
      state = this.create();
      this.map.set(service, state);
    }
    this.lastService = service;
    this.last = state;
    return state;
  }

  /** The state of `service` if it exists, without creating it. */
  peek(service: string): T | undefined {
    if (service === this.lastService) return this.last;
    const state = this.map.get(service);
    if (state !== undefined) {
      this.lastService = service;
      this.last = state;
    }
    return state;
  }

  entries(): IterableIterator<[string, T]> {
    return this.map.entries();
  }

  delete(service: string): void {
    this.map.delete(service);
    if (service === this.lastService) {
      this.lastService = undefined;
      this.last = undefined;
    }
  }
}
