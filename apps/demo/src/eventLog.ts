const MAX_ENTRIES = 500;

/** Timestamped lines for the dashboard: breaker transitions, discovery changes, scenario steps. */
export class EventLog {
  private readonly entries: string[] = [];

  /** `elapsedMs()` gives the time since the shop started. */
  constructor(private readonly elapsedMs: () => number) {}

  add(message: string): void {
    if (this.entries.length === MAX_ENTRIES) this.entries.shift();
    this.entries.push(`${(this.elapsedMs() / 1000).toFixed(2).padStart(6)}s  ${message}`);
  }

  last(n: number): readonly string[] {
    return this.entries.slice(-n);
  }

  all(): readonly string[] {
    return [...this.entries];
  }
}
