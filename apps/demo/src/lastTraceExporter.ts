import { SpanKind } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Spans kept for traces still running; more than this and the oldest are dropped. */
const MAX_BUFFERED = 5_000;

/**
 * An in-memory exporter (behind a SimpleSpanProcessor) that keeps only the most recent
 * complete trace whose root is selected by `isRoot`, e.g. the gateway's
 * `GET /checkout/:user`. When such a root ends, every descendant has ended before it
 * (the gateway answers after its downstream calls), so its trace is complete: it is
 * taken out of the buffer, and the buffer keeps only spans of other traces still running.
 * Memory stays bounded whatever the rate or length of the run.
 */
export class LastTraceExporter extends InMemorySpanExporter {
  private last: readonly ReadableSpan[] = [];

  constructor(private readonly isRoot: (span: ReadableSpan) => boolean) {
    super();
  }

  /** Spans of the most recent complete trace, root first. */
  get lastTrace(): readonly ReadableSpan[] {
    return this.last;
  }

  override export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    super.export(spans, resultCallback);
    const root = spans.find((s) => s.parentSpanContext === undefined && this.isRoot(s));
    if (root === undefined) {
      if (this.getFinishedSpans().length > MAX_BUFFERED) this.keep(this.getFinishedSpans().slice(-MAX_BUFFERED / 2));
      return;
    }
    const traceId = root.spanContext().traceId;
    const mine: ReadableSpan[] = [];
    const others: ReadableSpan[] = [];
    for (const span of this.getFinishedSpans()) (span.spanContext().traceId === traceId ? mine : others).push(span);
    this.last = [root, ...mine.filter((s) => s !== root)];
    this.keep(others);
  }

  private keep(spans: ReadableSpan[]): void {
    this.reset();
    if (spans.length > 0) super.export(spans, () => {});
  }
}

/** The gateway's checkout SERVER span with no parent: the root of one checkout's trace. */
export function isCheckoutRoot(span: ReadableSpan): boolean {
  return span.kind === SpanKind.SERVER && span.name.startsWith('GET /checkout');
}
