import type { Clock } from '../common/Clock.js';

/** A pending deadline; `fire` is cleared when cancelled. */
export interface Deadline {
  readonly at: number;
  fire: (() => void) | undefined;
  next: Deadline | undefined;
}

/**
 * Deadlines that all share one delay, so they expire in the order they were added: a
 * FIFO list and one timer replace a `setTimeout`/`clearTimeout` pair per attempt. The
 * timer is left to run out when the list empties (cheaper than clearing it) and is
 * unref'd then, so an idle policy never holds the process open.
 */
export class DeadlineQueue {
  private head: Deadline | undefined;
  private tail: Deadline | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly delayMs: number,
    private readonly clock: Clock,
  ) {}

  add(fire: () => void): Deadline {
    const deadline: Deadline = { at: this.clock.now() + this.delayMs, fire, next: undefined };
    if (this.tail === undefined) {
      this.head = deadline;
      this.tail = deadline;
      if (this.timer === undefined) this.arm(this.delayMs);
      else this.timer.ref?.();
    } else {
      this.tail.next = deadline;
      this.tail = deadline;
    }
    return deadline;
  }

  cancel(deadline: Deadline): void {
    deadline.fire = undefined;
    this.dropCancelled();
  }

  private dropCancelled(): void {
    while (this.head !== undefined && this.head.fire === undefined) this.head = this.head.next;
    if (this.head === undefined) {
      this.tail = undefined;
      this.timer?.unref?.();
    }
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.expire, Math.max(1, Math.ceil(ms)));
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = this.clock.now();
    while (this.head !== undefined && this.head.at <= now) {
      const due = this.head;
      this.head = due.next;
      if (this.head === undefined) this.tail = undefined;
      const fire = due.fire;
      due.fire = undefined;
      fire?.();
    }
    this.dropCancelled();
    // The timer can fire a little early by this clock (libuv caches loop time): re-arm.
    if (this.head !== undefined && this.timer === undefined) this.arm(this.head.at - now);
  };
}
