/** One row of the live table. */
export interface Row {
  readonly cells: readonly string[];
}

/**
 * Renders a table in place on a terminal (moving the cursor back over the last
 * frame), or as plain periodic frames when stdout is not a TTY (CI logs).
 */
export class Dashboard {
  private lastLines = 0;
  private lastPlain = 0;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly plainEveryMs = 1_000,
  ) {}

  render(
    title: string,
    header: readonly string[],
    rows: readonly Row[],
    footer: readonly string[] = [],
    final = false,
  ): void {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.cells[i] ?? '').length)));
    const line = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
    const lines = [
      title,
      line(header),
      widths.map((w) => '─'.repeat(w)).join('  '),
      ...rows.map((r) => line(r.cells)),
      ...footer,
    ];
    if (this.out.isTTY) {
      if (this.lastLines > 0) this.out.write(`\x1b[${this.lastLines}A\x1b[0J`);
      this.out.write(`${lines.join('\n')}\n`);
      this.lastLines = lines.length;
      return;
    }
    const now = Date.now();
    if (!final && now - this.lastPlain < this.plainEveryMs) return;
    this.lastPlain = now;
    this.out.write(`${lines.join('\n')}\n\n`);
  }
}
