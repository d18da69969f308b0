import * as diagnosticsChannel from 'node:diagnostics_channel';
import type {
  AttemptEndMessage,
  BreakerMessage,
  BreakerStateMessage,
  BulkheadMessage,
  BulkheadRejectMessage,
  CallEndMessage,
  CallStartMessage,
  ClientCloseMessage,
  EjectionMessage,
  HedgeMessage,
  PickMessage,
  RegistryCloseMessage,
  RegistryErrorMessage,
  RegistryRefreshMessage,
  RegistrySnapshotMessage,
  RetryBudgetExhaustedMessage,
  RetryMessage,
} from './messages.js';

/**
 * Every `node:diagnostics_channel` channel Switchyard publishes on, by key. Messages are
 * built only while a channel has subscribers, so an unobserved event costs one check.
 */
export const SWITCHYARD_CHANNELS = {
  /** A logical call started (`client.call` / `client.fetch`). */
  callStart: 'switchyard:call:start',
  /** A logical call settled: outcome, the caller's error, duration. */
  callEnd: 'switchyard:call:end',
  /** The balancer picked an instance for an attempt. */
  pick: 'switchyard:balancer:pick',
  /** An attempt on a picked instance settled. */
  attemptEnd: 'switchyard:attempt:end',
  /** A retry is scheduled (after its backoff it starts as a new attempt). */
  retry: 'switchyard:retry',
  /** The retry budget denied a retry: the caller gets the last attempt's error. */
  retryBudgetExhausted: 'switchyard:retry:budget-exhausted',
  /** A hedged attempt started beside a slow one. */
  hedge: 'switchyard:hedge',
  /** A service's bulkhead was created (its gauges are live) or disposed. */
  bulkheadCreate: 'switchyard:bulkhead:create',
  bulkheadDispose: 'switchyard:bulkhead:dispose',
  /** The bulkhead refused a call. */
  bulkheadReject: 'switchyard:bulkhead:reject',
  /** An instance's breaker was created (the instance joined) or disposed (it left, or the client closed). */
  breakerCreate: 'switchyard:breaker:create',
  breakerDispose: 'switchyard:breaker:dispose',
  /** An instance's breaker changed state. */
  breakerState: 'switchyard:breaker:state',
  /** An instance left or rejoined the balancing set (outlier ejection). */
  ejection: 'switchyard:instance:ejection',
  /** A client closed: everything it published about is gone. */
  clientClose: 'switchyard:client:close',
  /** What a registry knows of a service changed: instances, staleness or confirmation time. */
  registrySnapshot: 'switchyard:registry:snapshot',
  /** A remote registry delivered an update; how long it took. */
  registryRefresh: 'switchyard:registry:refresh',
  /** A registry failed to refresh a service (it keeps serving the last known instances, stale). */
  registryError: 'switchyard:registry:error',
  /** A registry closed: its views are gone. */
  registryClose: 'switchyard:registry:close',
} as const;

export type SwitchyardChannelKey = keyof typeof SWITCHYARD_CHANNELS;
export type SwitchyardChannelName = (typeof SWITCHYARD_CHANNELS)[SwitchyardChannelKey];

/** The message each channel carries. */
export interface SwitchyardMessages {
  callStart: CallStartMessage;
  callEnd: CallEndMessage;
  pick: PickMessage;
  attemptEnd: AttemptEndMessage;
  retry: RetryMessage;
  retryBudgetExhausted: RetryBudgetExhaustedMessage;
  hedge: HedgeMessage;
  bulkheadCreate: BulkheadMessage;
  bulkheadDispose: BulkheadMessage;
  bulkheadReject: BulkheadRejectMessage;
  breakerCreate: BreakerMessage;
  breakerDispose: BreakerMessage;
  breakerState: BreakerStateMessage;
  ejection: EjectionMessage;
  clientClose: ClientCloseMessage;
  registrySnapshot: RegistrySnapshotMessage;
  registryRefresh: RegistryRefreshMessage;
  registryError: RegistryErrorMessage;
  registryClose: RegistryCloseMessage;
}

/** A channel whose messages have one type. */
export interface TypedChannel<M> {
  readonly hasSubscribers: boolean;
  publish(message: M): void;
}

type Channels = { readonly [K in SwitchyardChannelKey]: TypedChannel<SwitchyardMessages[K]> };

/** The channel objects, held here so `hasSubscribers` stays accurate (channels are weakly held by name). */
export const channels: Channels = Object.fromEntries(
  Object.entries(SWITCHYARD_CHANNELS).map(([key, name]) => [key, diagnosticsChannel.channel(name)]),
) as unknown as Channels;
