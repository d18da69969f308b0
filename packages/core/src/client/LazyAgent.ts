import type { Agent } from 'undici';

/**
 * The client's keep-alive undici `Agent`, shared by `client.fetch` and `client.request`.
 * undici is loaded on the first request, so a client that only calls functions never
 * loads it; after that the agent is at hand with no await per request.
 */
export class LazyAgent {
  private agent: Agent | undefined;
  private loading: Promise<Agent> | undefined;
  private closed = false;

  /** The agent, or a promise of it on the first request. */
  get(): Agent | Promise<Agent> {
    return this.agent ?? this.load();
  }

  /** Closes the agent's connections; requests in flight are aborted by undici. */
  async close(): Promise<void> {
    this.closed = true;
    const agent = this.agent ?? (this.loading === undefined ? undefined : await this.loading);
    this.agent = undefined;
    await agent?.destroy();
  }

  private load(): Promise<Agent> {
    const before = globalDispatchers();
    this.loading ??= import('undici').then(
      ({ Agent }) => {
        keepGlobalDispatchers(before);
        const agent = new Agent();
        // A client closed while undici loaded keeps no sockets open.
        if (this.closed) void agent.destroy();
        else this.agent = agent;
        return agent;
      },
      (error: unknown) => {
        // A failed load is tried again by the next request, not remembered for good.
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }
}

/** Where undici (the one bundled with Node and the npm one) keep the dispatcher of the global `fetch`. */
const GLOBAL_DISPATCHERS = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')] as const;

function globalDispatchers(): unknown[] {
  const global = globalThis as Record<symbol, unknown>;
  return GLOBAL_DISPATCHERS.map((key) => global[key]);
}

/**
 * Loading the npm undici installs its own Agent as the global `fetch`'s dispatcher when
 * none is set yet: put back what was there, so the app's own fetch stays on Node's undici.
 */
function keepGlobalDispatchers(before: readonly unknown[]): void {
  const global = globalThis as Record<symbol, unknown>;
  GLOBAL_DISPATCHERS.forEach((key, i) => {
    if (global[key] !== before[i]) global[key] = before[i];
  });
}
