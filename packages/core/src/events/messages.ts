import type { CircuitBreaker, StateChange } from '../breaker/CircuitBreaker.js';
import type { ServiceClient } from '../client/ServiceClient.js';
import type { Instance } from '../registry/Instance.js';
import type { ServiceRegistry, ServiceSnapshot } from '../registry/ServiceRegistry.js';

/** How a logical call (all attempts together) ended; the `switchyard.outcome` attribute. */
export type CallOutcomeKind =
  /** The call returned a result the caller accepts. */
  | 'success'
  /** It failed: an error or a failing status after the last allowed attempt. */
  | 'failure'
  /** Refused before any attempt: open breaker, full bulkhead, no instances, ... */
  | 'rejected'
  /** The call's deadline passed. */
  | 'timeout'
  /** The caller gave up (its signal aborted); not an error. */
  | 'aborted';

/** Published by a client: the events of one logical call and its attempts. */
interface FromClient {
  readonly client: ServiceClient;
  readonly service: string;
}

export interface CallStartMessage extends FromClient {
  readonly idempotent: boolean;
}

export interface CallEndMessage extends FromClient {
  readonly outcome: CallOutcomeKind;
  /** The error the caller gets; undefined on success. */
  readonly error: unknown;
  /** From call start to settle, on the client's clock. */
  readonly durationMs: number;
}

export interface PickMessage extends FromClient {
  readonly instance: Instance;
  /** The balancer's name, e.g. `peak-ewma`. */
  readonly balancer: string;
  /** 0 for the first attempt of a call; retries and hedges count up. */
  readonly attempt: number;
}

export interface AttemptEndMessage extends FromClient {
  readonly instance: Instance;
  readonly attempt: number;
  /** Undefined when the attempt succeeded. */
  readonly error: unknown;
  readonly durationMs: number;
}

export interface RetryMessage extends FromClient {
  /** Number of the attempt about to start (1 for the first retry). */
  readonly attempt: number;
  readonly delayMs: number;
  /** Why the previous attempt failed. */
  readonly error: unknown;
}

export interface RetryBudgetExhaustedMessage extends FromClient {
  /** Attempts made before the budget denied another. */
  readonly attempts: number;
  readonly error: unknown;
}

export interface HedgeMessage extends FromClient {
  /** Number of the hedged attempt (1 for the first hedge). */
  readonly attempt: number;
}

/** Live sizes of a bulkhead, read when an observer wants them (metrics read them at collection). */
export interface BulkheadGauges {
  readonly inFlight: number;
  readonly queued: number;
}

export interface BulkheadMessage extends FromClient {
  readonly bulkhead: BulkheadGauges;
}

export type BulkheadRejectMessage = FromClient;

export interface BreakerMessage extends FromClient {
  readonly instance: Instance;
  readonly breaker: CircuitBreaker;
}

export interface BreakerStateMessage extends BreakerMessage {
  readonly change: StateChange;
}

export interface EjectionMessage extends FromClient {
  readonly instance: Instance;
  /** True when the instance left the balancing set, false when it rejoined. */
  readonly ejected: boolean;
  readonly reason: string;
}

export interface ClientCloseMessage {
  readonly client: ServiceClient;
}

/** Published by a registry about one service it knows. */
interface FromRegistry {
  readonly registry: ServiceRegistry;
  readonly service: string;
}

export interface RegistrySnapshotMessage extends FromRegistry {
  /** Every known instance of the service (unfiltered), whether the view is stale, and when it was confirmed. */
  readonly snapshot: ServiceSnapshot;
}

export interface RegistryRefreshMessage extends FromRegistry {
  /** From the start of the round-trip that brought the update to its subscribers notified. */
  readonly durationMs: number;
}

export interface RegistryErrorMessage extends FromRegistry {
  readonly error: unknown;
}

export interface RegistryCloseMessage {
  readonly registry: ServiceRegistry;
}
