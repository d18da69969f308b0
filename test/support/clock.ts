// A clock tests move by hand, for code that takes a `Clock` (no test sleeps on wall-clock time).
import type { Clock } from '@switchyard/core';

/** A clock the test moves by hand (ms). */
export class ManualClock implements Clock {
  constructor(public time = 0) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
  set(ms: number): void {
    this.time = ms;
  }
}
