import { ProxyTracerProvider, type TracerProvider, trace } from '@opentelemetry/api';

/** The API's no-op provider: what a proxy with no delegate hands out (one shared instance per API copy). */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * True while `provider` makes only the API's non-recording spans: the no-op provider, or the
 * global proxy before an SDK registers (also through the API's `trace`, the default provider
 * option). Checked per use, so an SDK registered later counts.
 */
export function isNoopTracerProvider(given: TracerProvider): boolean {
  const provider = given === trace ? trace.getTracerProvider() : given;
  return (
    provider === NOOP_TRACER_PROVIDER ||
    (provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_TRACER_PROVIDER)
  );
}
