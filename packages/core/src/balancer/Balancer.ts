import type { Clock } from '../common/Clock.js';
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
  /**
   * When the attempt ended, as `clock` read it: a balancer on that same clock (the client
   * gives peak-EWMA its own) uses it rather than reading the clock again.
   */
  readonly endMs?: number;
  readonly clock?: Clock;
}

/**
 * Chooses one instance for a call. `pick` must not allocate on its hot path and must
 * return one of `instances`; it throws `NoInstancesError` when the list is empty.
 * Balancers that adapt to load implement the optional feedback hooks, which the
 * client calls around every attempt.
 *
 * `instances` is the eligible list (health filtering and breaker ejection happen
 * before). Treat it as immutable, as registry snapshots are: balancers cache derived
 * data (eligible positions, weight tables, the Maglev table) per service, keyed on
 * the array reference and length, so a changed list must be a new array. A
 * zero-weight instance gets no traffic unless every instance has weight 0.
 */
export interface Balancer {
  readonly name: string;
  pick(instances: readonly Instance[], ctx: PickContext): Instance;
  /** A call to `instance` starts. */
  onCallStart?(instance: Instance): void;
  /** A call to `instance` that started ended. */
  onCallEnd?(instance: Instance, outcome: CallOutcome): void;
  /**
   * Forget state for instances not in `live` (called when membership changes). A
   * balancer shared by several services must be given all of their live instances.
   */
  retain?(live: readonly Instance[]): void;
}
