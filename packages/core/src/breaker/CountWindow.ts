import type { OutcomeWindow } from './OutcomeWindow.js';

/** The last `size` outcomes, in a preallocated ring of one byte per call. */
export class CountWindow implements OutcomeWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  private readonly ring: Uint8Array;
  private next = 0;

  constructor(size: number) {
    this.ring = new Uint8Array(size);
  }

  /** Slots in the ring; constant for the life of the window. */
  get capacity(): number {
    return this.ring.length;
  }

  record(outcome: number): void {
    const ring = this.ring;
    const i = this.next;
    if (this.calls === ring.length) {
      // Full: the slot about to be overwritten holds the oldest outcome.
      const evicted = ring[i] as number;
      this.failures -= evicted & 1;
      this.slowCalls -= evicted >> 1;
    } else {
      this.calls++;
    }
    ring[i] = outcome;
    this.failures += outcome & 1;
    this.slowCalls += outcome >> 1;
    this.next = i + 1 === ring.length ? 0 : i + 1;
  }

  roll(): void {}

  clear(): void {
    // Stale slots need no zeroing: a slot is only read back after this epoch rewrote it.
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
    this.next = 0;
  }
}
