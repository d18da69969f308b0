import { type Context, INVALID_SPAN_CONTEXT, isSpanContextValid, type Span, trace } from '@opentelemetry/api';

/**
 * The context a span's work runs in. A non-recording span that only carries the parent's
 * span context (what the no-op API returns) changes nothing downstream, so the parent
 * context is reused instead of allocating a new one per attempt or request.
 */
export function contextWith(parent: Context, span: Span): Context {
  if (!span.isRecording()) {
    const spanContext = span.spanContext();
    const parentSpan = trace.getSpan(parent);
    if (
      parentSpan === undefined
        ? // The no-op tracer's span without a parent: known invalid without testing its ids.
          spanContext === INVALID_SPAN_CONTEXT || !isSpanContextValid(spanContext)
        : parentSpan.spanContext() === spanContext
    ) {
      return parent;
    }
  }
  return trace.setSpan(parent, span);
}
