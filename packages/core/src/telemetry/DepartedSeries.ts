import type { Attributes, BatchObservableResult, Observable } from '@opentelemetry/api';

/**
 * Gives a level series that stops being reported (its breaker, bulkhead or registry view is
 * gone) a last value of 0, once, then forgets it.
 *
 * Why: @opentelemetry/sdk-metrics 2.x keeps every attribute set an asynchronous instrument
 * ever reported and, under cumulative temporality, exports it at its last value forever
 * (opentelemetry-js#4096: the spec says it should not). A departed open breaker would read
 * `open=1` for the life of the process. Under delta temporality the SDK drops the series,
 * but a pipeline that sums the deltas back up never sees the way down. A final 0 is true
 * in both: cumulative readers keep a 0, delta readers get the change to 0 and then nothing.
 * Only up-down counters (counts of things present now) get it; a counter's total and a
 * gauge's reading have no "gone" value.
 */
export class DepartedSeries {
  private previous = new Map<Observable, Map<string, Attributes>>();
  private current = new Map<Observable, Map<string, Attributes>>();

  constructor(private readonly levels: ReadonlySet<Observable>) {}

  /** True while some level series was reported in the last collection. */
  get reporting(): boolean {
    return this.previous.size > 0;
  }

  observe(result: BatchObservableResult, instrument: Observable, value: number, attributes: Attributes): void {
    result.observe(instrument, value, attributes);
    if (!this.levels.has(instrument)) return;
    let seen = this.current.get(instrument);
    if (seen === undefined) {
      seen = new Map();
      this.current.set(instrument, seen);
    }
    seen.set(seriesKey(attributes), attributes);
  }

  /** Ends a collection: what was reported last time and not now is reported as 0. */
  finish(result: BatchObservableResult): void {
    for (const [instrument, seen] of this.previous) {
      const now = this.current.get(instrument);
      for (const [key, attributes] of seen) {
        if (now?.has(key) !== true) result.observe(instrument, 0, attributes);
      }
    }
    this.previous = this.current;
    this.current = new Map();
  }
}

/** Our attribute sets are built with a fixed key order, so their JSON identifies them. */
function seriesKey(attributes: Attributes): string {
  return JSON.stringify(attributes);
}
