import type { ServerResponse } from 'node:http';
import type { NodeRequestLike } from '@switchyard/core/server';

/** The Node request: Express's request is one; Fastify's wraps one as `raw`. */
export function nodeRequest(request: unknown): NodeRequestLike | undefined {
  const candidate = (request as { raw?: unknown } | undefined)?.raw ?? request;
  const r = candidate as Partial<NodeRequestLike> | undefined;
  return typeof r === 'object' && r !== null && typeof r.headers === 'object' ? (r as NodeRequestLike) : undefined;
}

/** The Node response under Express's response or Fastify's `reply.raw`. */
export function nodeResponse(response: unknown): ServerResponse | undefined {
  const candidate = (response as { raw?: unknown } | undefined)?.raw ?? response;
  const r = candidate as Partial<ServerResponse> | undefined;
  return typeof r?.once === 'function' && typeof r.statusCode === 'number' ? (r as ServerResponse) : undefined;
}
