import {
  type BatchObservableCallback,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Observable,
  type ObservableGauge,
  type ObservableUpDownCounter,
  ValueType,
} from '@opentelemetry/api';
import type { Clock } from '../common/Clock.js';
import { isNoopMeter } from './isNoopMeter.js';
import type { LiveSources } from './LiveSources.js';
import {
  DURATION_BUCKETS_SECONDS,
  INSTRUMENTATION_SCOPE,
  INSTRUMENTATION_VERSION,
  METRIC,
  type MetricDefinition,
} from './names.js';

/** Every instrument Switchyard records on, from one meter. */
export interface Instruments {
  /** False for the API's no-op meter (no SDK): nothing needs timing or attribute sets. */
  readonly recording: boolean;
  readonly httpDuration: Histogram;
  readonly callDuration: Histogram;
  readonly retries: Counter;
  readonly budgetExhausted: Counter;
  readonly breakerTransitions: Counter;
  readonly ejections: Counter;
  readonly bulkheadRejections: Counter;
  readonly watchErrors: Counter;
  readonly registryUpdateDuration: Histogram;
  /** Stops the batch callback that reads the live sources. */
  remove(): void;
}

/**
 * Creates the instruments on `provider`'s meter and registers one batch callback that
 * reads `live` at collection time (nothing is sampled between collections, no timers).
 */
export function createInstruments(provider: MeterProvider, live: LiveSources, wallClock: Clock): Instruments {
  const meter: Meter = provider.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const histogram = (d: MetricDefinition): Histogram =>
    meter.createHistogram(d.name, {
      unit: d.unit,
      description: d.description,
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
    });
  const counter = (d: MetricDefinition): Counter =>
    meter.createCounter(d.name, { unit: d.unit, description: d.description, valueType: ValueType.INT });
  const upDown = (d: MetricDefinition): ObservableUpDownCounter =>
    meter.createObservableUpDownCounter(d.name, { unit: d.unit, description: d.description, valueType: ValueType.INT });
  const gauge = (d: MetricDefinition): ObservableGauge =>
    meter.createObservableGauge(d.name, { unit: d.unit, description: d.description });

  const observed = {
    // Counted in memory per pick and read at collection: one SDK recording fewer per call.
    picks: meter.createObservableCounter(METRIC.balancerPicks.name, {
      unit: METRIC.balancerPicks.unit,
      description: METRIC.balancerPicks.description,
      valueType: ValueType.INT,
    }),
    breakerState: upDown(METRIC.breakerState),
    ejected: upDown(METRIC.instancesEjected),
    inFlight: upDown(METRIC.bulkheadInFlight),
    queued: upDown(METRIC.bulkheadQueued),
    registryInstances: upDown(METRIC.registryInstances),
    registryStale: upDown(METRIC.registryStale),
    registryStaleness: gauge(METRIC.registryStaleness),
  };
  const observables: Observable[] = Object.values(observed);
  const observe: BatchObservableCallback = live.observer(observed, wallClock);
  meter.addBatchObservableCallback(observe, observables);

  return {
    recording: !isNoopMeter(meter),
    httpDuration: histogram(METRIC.httpClientRequestDuration),
    callDuration: histogram(METRIC.callDuration),
    retries: counter(METRIC.retries),
    budgetExhausted: counter(METRIC.retryBudgetExhausted),
    breakerTransitions: counter(METRIC.breakerTransitions),
    ejections: counter(METRIC.instanceEjections),
    bulkheadRejections: counter(METRIC.bulkheadRejections),
    watchErrors: counter(METRIC.registryWatchErrors),
    registryUpdateDuration: histogram(METRIC.registryUpdateDuration),
    remove: () => meter.removeBatchObservableCallback(observe, observables),
  };
}
