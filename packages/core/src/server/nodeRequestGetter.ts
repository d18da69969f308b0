import type { IncomingHttpHeaders } from 'node:http';
import type { HttpServerRequestGetter } from './HttpServerRequestGetter.js';

/** The parts of a Node `IncomingMessage` (or a framework's request over it) server telemetry reads. */
export interface NodeRequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Express keeps the URL as received here while routers rewrite `url`. */
  readonly originalUrl?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersion?: string | undefined;
  readonly socket?: { readonly remoteAddress?: string | undefined; readonly encrypted?: boolean } | undefined;
}

/** How server telemetry reads a Node request (the route comes from the framework at the start). */
export const NODE_REQUEST_GETTER: HttpServerRequestGetter<NodeRequestLike> = {
  method: (request) => request.method ?? 'GET',
  scheme: (request) => (request.socket?.encrypted === true ? 'https' : 'http'),
  target: (request) => request.originalUrl ?? request.url ?? '/',
  headers: (request) => request.headers,
  httpVersion: (request) => request.httpVersion,
  clientAddress: (request) => request.socket?.remoteAddress,
};
