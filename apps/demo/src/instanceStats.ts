import { LatencyHistogram } from './latencyHistogram.js';

/** What one server instance (or the caller) saw: requests, 5xx answers, latency, routing keys. */
export class InstanceStats {
  requests = 0;
  serverErrors = 0;
  /** Routing keys (users) this instance served; the cart fills it to show consistent hashing. */
  readonly keys = new Set<string>();
  private readonly latency = new LatencyHistogram();

  record(latencyMs: number, status: number): void {
    this.requests++;
    if (status >= 500) this.serverErrors++;
    this.latency.record(latencyMs);
  }

  /** Forgets counts and latencies (after the warm-up); keeps routing keys. */
  reset(): void {
    this.requests = 0;
    this.serverErrors = 0;
    this.latency.reset();
  }

  percentile(q: number): number {
    return this.latency.percentile(q);
  }
}
