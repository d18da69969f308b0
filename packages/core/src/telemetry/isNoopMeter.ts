import { createNoopMeter, type Meter } from '@opentelemetry/api';

const NOOP_METER = createNoopMeter();

/**
 * True for the API's no-op meter, what the global provider hands out while no SDK is
 * registered: nothing it makes records anything, so durations need not be timed.
 */
export function isNoopMeter(meter: Meter): boolean {
  return meter === NOOP_METER;
}
