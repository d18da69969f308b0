import {
  type BatchObservableCallback,
  type Counter,
  diag,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Observable,
  type ObservableGauge,
  type ObservableUpDownCounter,
  ValueType,
} from '@opentelemetry/api';
import type { Clock } from '../common/Clock.js';
import { DepartedSeries } from './DepartedSeries.js';
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
  /**
   * Stops reading the live sources. The batch callback stays for one more collection, which
   * reports every level series it reported as 0 (see `DepartedSeries`), then removes itself.
   */
  retire(): void;
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
  // Counts of things present now; not the picks counter nor the staleness gauge.
  const departed = new DepartedSeries(
    new Set<Observable>([
      observed.breakerState,
      observed.ejected,
      observed.inFlight,
      observed.queued,
      observed.registryInstances,
      observed.registryStale,
    ]),
  );
  let retired = false;
  const unregister = (): void => meter.removeBatchObservableCallback(observe, observables);
  const observe: BatchObservableCallback = (result) => {
    if (!retired) live.observe(observed, departed, result, wallClock);
    departed.finish(result);
    // Removed after this collection has reported every series as gone; not from inside
    // the SDK's loop over its callbacks, which a removal would make skip the next one.
    if (retired) queueMicrotask(() => guarded(unregister));
  };
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
    retire: () => {
      if (retired) return;
      retired = true;
      // With nothing reported there is nothing to take back: remove now.
      if (!departed.reporting) unregister();
    },
  };
}

function guarded(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    try {
      diag.warn('Switchyard telemetry: removing the metrics callback failed', error);
    } catch {
      // Nothing left to tell.
    }
  }
}
