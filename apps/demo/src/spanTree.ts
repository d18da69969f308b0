import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** One span of a trace with its children, ordered by start time. */
export interface SpanNode {
  readonly span: ReadableSpan;
  readonly children: readonly SpanNode[];
}

/** Builds the tree of a trace's spans (the root is the span whose parent is not among them). */
export function spanTree(spans: readonly ReadableSpan[]): SpanNode | undefined {
  const byParent = new Map<string, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  let root: ReadableSpan | undefined;
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    if (parent === undefined || !ids.has(parent)) {
      root ??= span;
      continue;
    }
    const siblings = byParent.get(parent) ?? [];
    siblings.push(span);
    byParent.set(parent, siblings);
  }
  const build = (span: ReadableSpan): SpanNode => ({
    span,
    children: (byParent.get(span.spanContext().spanId) ?? [])
      .sort((a, b) => ms(a.startTime) - ms(b.startTime))
      .map(build),
  });
  return root === undefined ? undefined : build(root);
}

/**
 * Text lines for the dashboard, e.g.
 * `└─ CLIENT GET → pricing   pricing-1   500   1.2 ms  retry 1`.
 * `where(span)` names the instance a span ran on or went to.
 */
export function renderSpanTree(root: SpanNode, where: (span: ReadableSpan) => string): string[] {
  const rows: Array<{ label: string; where: string; status: string; ms: string; note: string }> = [];
  const walk = (node: SpanNode, prefix: string, childPrefix: string): void => {
    const { span } = node;
    const attrs = span.attributes;
    const kind = span.kind === SpanKind.SERVER ? 'SERVER' : span.kind === SpanKind.CLIENT ? 'CLIENT' : 'INTERNAL';
    const target = span.kind === SpanKind.CLIENT ? ` → ${String(attrs['switchyard.service'] ?? '?')}` : '';
    const status = attrs['http.response.status_code'] ?? attrs['error.type'] ?? '';
    const resend = attrs['http.request.resend_count'];
    const notes = [
      resend === undefined ? '' : `retry ${String(resend)}`,
      span.status.code === SpanStatusCode.ERROR ? 'error' : '',
    ].filter((n) => n !== '');
    rows.push({
      label: `${prefix}${kind} ${span.name}${target}`,
      where: where(span),
      status: String(status),
      ms: `${(ms(span.endTime) - ms(span.startTime)).toFixed(1)} ms`,
      note: notes.join(', '),
    });
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      walk(child, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(root, '', '');
  const width = (pick: (r: (typeof rows)[number]) => string) => Math.max(...rows.map((r) => pick(r).length));
  const [wl, ww, ws, wm] = [width((r) => r.label), width((r) => r.where), width((r) => r.status), width((r) => r.ms)];
  return rows.map((r) =>
    `${r.label.padEnd(wl)}  ${r.where.padEnd(ww)}  ${r.status.padStart(ws)}  ${r.ms.padStart(wm)}  ${r.note}`.trimEnd(),
  );
}

function ms([seconds, nanos]: readonly [number, number]): number {
  return seconds * 1_000 + nanos / 1e6;
}
