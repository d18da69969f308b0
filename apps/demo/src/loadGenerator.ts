import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { InstanceStats } from './instanceStats.js';

export interface LoadOptions {
  /** Checkouts to send in all. */
  readonly requests: number;
  /** Checkouts started per second at most. */
  readonly rate: number;
  /** Checkouts in flight at most; beyond it the generator waits (bounded memory). */
  readonly maxInFlight: number;
  /** URL of checkout `n`. */
  readonly url: (n: number) => string;
  /** Called just before checkout `n` is sent (the scenario's clock). */
  readonly beforeSend?: (n: number) => void;
  /** Stops sending (Ctrl-C); checkouts in flight are still awaited. */
  readonly signal?: AbortSignal;
}

const MAX_ERROR_SAMPLES = 5;

/**
 * The shop's customers: plain `fetch` calls to the gateway, started on a fixed schedule
 * (checkout n at n / rate seconds, so a slow answer does not slow the schedule and hide
 * its own latency), bounded in count and in flight. Counts what a caller sees: any
 * non-2xx answer or network error is an error.
 */
export class LoadGenerator {
  errors = 0;
  readonly stats = new InstanceStats();
  readonly errorSamples: string[] = [];
  private inFlight = 0;
  private wake: (() => void) | undefined;
  private started = 0;
  private elu: EventLoopUtilization | undefined;

  constructor(private readonly options: LoadOptions) {}

  get done(): number {
    return this.stats.requests;
  }

  /**
   * Share of time the event loop was busy since the first checkout: every server and
   * client of the shop shares this one thread, so near 1 means latency is queueing here.
   */
  busy(): number {
    return this.elu === undefined ? 0 : performance.eventLoopUtilization(this.elu).utilization;
  }

  /** Ms since the first checkout was sent. */
  elapsedMs(): number {
    return this.started === 0 ? 0 : performance.now() - this.started;
  }

  async run(): Promise<void> {
    const { requests, rate, maxInFlight } = this.options;
    this.started = performance.now();
    this.elu = performance.eventLoopUtilization();
    const stopped = () => this.options.signal?.aborted === true;
    for (let n = 0; n < requests && !stopped(); n++) {
      const wait = this.started + (n * 1_000) / rate - performance.now();
      if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
      else if (n % 64 === 63) await yieldToIo(); // far behind schedule: still let I/O run
      while (this.inFlight >= maxInFlight) await new Promise<void>((resolve) => (this.wake = resolve));
      if (stopped()) break;
      this.options.beforeSend?.(n);
      void this.checkout(n);
    }
    while (this.inFlight > 0) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  private async checkout(n: number): Promise<void> {
    this.inFlight++;
    const start = performance.now();
    let status = 0;
    try {
      const res = await fetch(this.options.url(n));
      const body = await res.text();
      status = res.status;
      // The gateway's problem+json names the Switchyard error (SWITCHYARD_BROKEN_CIRCUIT, ...).
      if (!res.ok) this.fail(`HTTP ${res.status} ${body.slice(0, 160)}`);
    } catch (error) {
      this.fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
    this.stats.record(performance.now() - start, status === 0 ? 599 : status);
    this.inFlight--;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private fail(reason: string): void {
    this.errors++;
    if (this.errorSamples.length < MAX_ERROR_SAMPLES) this.errorSamples.push(reason);
  }
}
