/** Per-instance request counts and latencies for the dashboard. */
export class InstanceStats {
  requests = 0;
  errors = 0;
  inFlight = 0;
  private readonly latencies: number[] = [];

  record(latencyMs: number, ok: boolean): void {
    this.requests++;
    if (!ok) this.errors++;
    this.latencies.push(latencyMs);
  }

  /** Nearest-rank percentile of all recorded latencies (the demo's run is bounded, so this stays small). */
  percentile(q: number): number {
    if (this.latencies.length === 0) return Number.NaN;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  }
}
