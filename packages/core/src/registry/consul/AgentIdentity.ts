import type { ConsulApi } from './ConsulApi.js';

/**
 * Who the local agent is (its NodeID), shared by a registry's watch loops, so that a loop
 * whose agent came back can tell a restarted agent (new NodeID: its state may be empty)
 * from one that was only unreachable (same NodeID: its answer is the truth).
 */
export class AgentIdentity {
  private pending: Promise<string | undefined> | undefined;

  constructor(
    private readonly api: ConsulApi,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * Reads the NodeID now; concurrent callers share one request. Resolves `undefined` when
   * it cannot be read (agent unreachable, or a token without `agent:read`); never rejects.
   */
  read(): Promise<string | undefined> {
    this.pending ??= this.api
      .agentNodeId(this.signal)
      .then(
        (id): string | undefined => id,
        () => undefined,
      )
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}
