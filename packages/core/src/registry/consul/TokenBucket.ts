import type { Clock } from '../../common/Clock.js';

/**
 * Rate limit for a blocking-query loop, as Consul's docs advise: no delay while changes
 * are rare, a couple of quick successive queries allowed (`burst`), then at most one
 * query per `intervalMs` while the answer churns. Timer-free: `take()` reserves the next
 * slot and says how long to wait for it; the caller sleeps that long, then queries.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Reserves one query: returns 0 when a token was available, else the ms until the reserved one is. */
  take(): number {
    if (this.intervalMs <= 0) return 0;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.intervalMs) - 1;
    this.last = now;
    // A negative balance is a reservation in the future: the caller waits it out.
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens * this.intervalMs);
  }
}
