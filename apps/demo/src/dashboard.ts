/** Where frames go: a terminal (redrawn in place), or a log or buffer (frames appended). */
export interface Output {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal height: live frames are cut to fit, so redrawing in place keeps working. */
  readonly rows?: number;
}

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
    private readonly out: Output,
    /** Interval between plain frames (the final frame is always printed). */
    private readonly plainEveryMs: number,
  ) {}

  render(
    title: string,
    header: readonly string[],
    rows: readonly Row[],
    footer: readonly string[] = [],
    final = false,
  ): void {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.cells[i] ?? '').length)));
    // Columns of numbers align right, text left.
    const numeric = header.map((_, i) => rows.every((r) => /^(-?[\d.]+|-|)$/.test(r.cells[i] ?? '')));
    const line = (cells: readonly string[]) =>
      cells
        .map((c, i) => (numeric[i] === true ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    const lines = [
      title,
      line(header),
      widths.map((w) => '─'.repeat(w)).join('  '),
      ...rows.map((r) => line(r.cells)),
      ...footer,
    ];
    if (this.out.isTTY === true) {
      // The cursor cannot move above the screen: live frames keep to its height (the final
      // frame is printed whole, and may scroll).
      const height = this.out.rows;
      const shown = !final && height !== undefined && height > 2 ? lines.slice(0, height - 1) : lines;
      if (this.lastLines > 0) this.out.write(`\x1b[${this.lastLines}A\x1b[0J`);
      this.out.write(`${shown.join('\n')}\n`);
      this.lastLines = shown.length;
      return;
    }
    const now = Date.now();
    if (!final && now - this.lastPlain < this.plainEveryMs) return;
    this.lastPlain = now;
    this.out.write(`${lines.join('\n')}\n\n`);
  }
}
