/** Request headers as Node gives them: lower-case names. */
export type HttpRequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * How `HttpServerTelemetry` reads a framework's request, in the style of OpenTelemetry's
 * `TextMapGetter`: one stateless object per framework, so observing a request allocates
 * nothing for it, and what only recording spans need is read only when a span records.
 */
export interface HttpServerRequestGetter<R> {
  /** The method as received; becomes `http.request.method` (or `_OTHER`) and, when that differs, `http.request.method_original`. */
  method(request: R): string;
  /** `url.scheme`: `http` or `https` (what the client used, when the framework knows about proxies). */
  scheme(request: R): string;
  /** The request target as received, path and query: `/items/42?page=2`. */
  target(request: R): string;
  /** The headers: the W3C parent, `host` (or `:authority`) and `user-agent` are read from them. */
  headers(request: R): HttpRequestHeaders;
  /** The HTTP version as Node reports it (`1.1`, `2.0`), if known. */
  httpVersion(request: R): string | undefined;
  /** `client.address`. */
  clientAddress(request: R): string | undefined;
  /**
   * The matched route template, for frameworks that know it only after the request started
   * (Express routes after its middleware ran): read when the request ends, and by
   * instrumentation-http when it ends its own span. Frameworks that know the route at the
   * start pass it to `start` instead.
   */
  route?(request: R): string | undefined;
}
