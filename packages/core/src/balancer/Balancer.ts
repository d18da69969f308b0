import type { Instance } from '../registry/Instance.js';

/** Per-pick information. Reuse one object per call; balancers never keep it. */
export interface PickContext {
  readonly service: string;
  /** Routing key for consistent hashing (user id, cart id...). Other balancers ignore it. */
  readonly key?: string;
}

/** How a call to an instance ended, fed back to adaptive balancers. */
export interface CallOutcome {
  /** Wall time of the attempt in milliseconds. */
  readonly latencyMs: number;
  /** False for errors and failed statuses. */
  readonly ok: boolean;
}

/**
 * Chooses one instance for a call. `pick` must not allocate on its hot path and must
 * return one of `instances`; it throws `NoInstancesError` when the list is empty.
 * Balancers that adapt to load implement the optional feedback hooks, which the
 * client calls around every attempt.
 */
export interface Balancer {
  readonly name: string;
  pick(instances: readonly Instance[], ctx: PickContext): Instance;
  /** A call to `instance` starts. */
  onCallStart?(instance: Instance): void;
  /** A call to `instance` that started ended. */
  onCallEnd?(instance: Instance, outcome: CallOutcome): void;
  /** Forget state for instances not in `live` (called when membership changes). */
  retain?(live: readonly Instance[]): void;
}
