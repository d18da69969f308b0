import type { Context } from '@opentelemetry/api';

/**
 * The RPC metadata `@opentelemetry/instrumentation-http` puts in the context of each
 * incoming request: framework instrumentations set `route` on it, and it reads `route` back
 * for its span name and metric when the request ends. Read by shape, not imported, so core
 * depends on `@opentelemetry/api` only.
 */
export interface HttpRpcMetadata {
  type?: unknown;
  route?: string | undefined;
}

/** `createContextKey` makes a `Symbol.for`, so the key is the same across duplicate installs. */
const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

/** instrumentation-http's metadata for the request `ctx` belongs to, if it handles that request. */
export function httpRpcMetadataOf(ctx: Context): HttpRpcMetadata | undefined {
  const value = ctx.getValue(RPC_METADATA_KEY) as HttpRpcMetadata | undefined;
  return typeof value === 'object' && value !== null && value.type === 'http' ? value : undefined;
}

/**
 * Tells instrumentation-http the route through its metadata, computed when it reads it (as it
 * ends its span), so a route matched after the request started is seen. A value someone
 * assigns (instrumentation-express, which knows parameterised mount paths) wins.
 */
export function reportRouteLazily(metadata: HttpRpcMetadata, route: () => string | undefined): void {
  let assigned = metadata.route;
  Object.defineProperty(metadata, 'route', {
    configurable: true,
    enumerable: true,
    get: () => assigned ?? route(),
    set: (value: string | undefined) => {
      assigned = value;
    },
  });
}
