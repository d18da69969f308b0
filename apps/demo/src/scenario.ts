import type { EventLog } from './eventLog.js';

/** Something that happens to the shop once a share of the checkouts has been sent. */
export interface Step {
  /** Share of the run, in [0, 1). */
  readonly at: number;
  readonly label: string;
  readonly run: () => unknown;
}

/**
 * Runs each step when the load generator reaches it (by checkout count, not by time, so
 * a run of any size and rate goes through the same story). Step failures are logged and
 * kept; `settled()` waits for steps still running (an instance starting or draining).
 */
export class Scenario {
  private next = 0;
  private readonly running: Promise<unknown>[] = [];
  readonly failures: unknown[] = [];

  constructor(
    private readonly steps: readonly Step[],
    private readonly requests: number,
    private readonly events: EventLog,
  ) {}

  /** Call with each checkout number before it is sent. */
  onCheckout(n: number): void {
    for (let step = this.steps[this.next]; step !== undefined; step = this.steps[this.next]) {
      if (n < Math.floor(step.at * this.requests)) return;
      this.next++;
      this.events.add(step.label);
      const { run } = step;
      this.running.push(
        (async () => run())().catch((error: unknown) => {
          this.failures.push(error);
          this.events.add(`step failed: ${error instanceof Error ? error.message : String(error)}`);
        }),
      );
    }
  }

  async settled(): Promise<void> {
    await Promise.all(this.running);
  }
}
