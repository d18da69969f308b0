import { EventEmitter } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { redactSecrets } from '../../common/redact.js';
import { ConsulRequestError } from './ConsulRequestError.js';
import { parseIndexHeader } from './nextIndex.js';

/** Per-request options the `consul` package passes through to its HTTP layer (papi). */
interface RequestOptions {
  token?: string;
  /** Total and socket-idle timeout in ms. */
  timeout?: number;
  /** An EventEmitter: `emit('cancel')` aborts; `includeResponse` makes calls resolve `[response, body]`. */
  ctx?: EventEmitter & { includeResponse?: boolean };
}

interface HttpResponse {
  readonly statusCode?: number;
  readonly headers: Record<string, string | string[] | undefined>;
}

type Middleware = (request: { err?: unknown }, next: (stop: false, error?: unknown) => void) => void;

/** What papi hands an `onRequest` extension: the request about to be sent, its transport still replaceable. */
interface PendingRequest {
  readonly opts?: { readonly ctx?: unknown };
  transport?: { request(options: unknown): ClientRequest };
}

/** The part of a `consul@2` client this registry uses. */
export interface ConsulClientLike {
  readonly health: {
    service(
      options: RequestOptions & { service: string; index?: string; wait?: string; dc?: string; filter?: string },
    ): Promise<unknown>;
  };
  readonly agent: {
    /** Optional in this type only so that a minimal client still validates; every `consul@2` client has it. */
    self?(options: RequestOptions): Promise<unknown>;
    readonly check: {
      pass(options: RequestOptions & { id: string }): Promise<unknown>;
      list?(options: RequestOptions): Promise<unknown>;
    };
    readonly service: {
      deregister(options: RequestOptions & { id: string }): Promise<unknown>;
      list(options: RequestOptions): Promise<unknown>;
    };
  };
  /** The client's own request layer: the only way to send `Weights`, which `agent.service.register` drops. */
  _put(
    request: {
      name: string;
      path: string;
      type: 'json';
      body: unknown;
      headers: Record<string, string>;
      timeout?: number;
      ctx?: EventEmitter;
    },
    ...middleware: Middleware[]
  ): Promise<unknown>;
  /** papi's extension points: `onRequest` runs before each request is sent. */
  _ext?(event: 'onRequest', extension: (request: PendingRequest, next: () => void) => void): void;
  destroy?(): void;
}

/** A blocking health answer. */
export interface HealthAnswer {
  readonly entries: readonly unknown[];
  readonly index: bigint;
}

export interface ConsulApiOptions {
  readonly token: string | undefined;
  readonly datacenter: string | undefined;
  /** Timeout of every non-blocking request, and the margin added to a blocking one's wait. */
  readonly requestTimeoutMs: number;
}

/** Marks the `ctx` of this module's requests, so the client extension below touches no one else's. */
const OURS = Symbol('switchyard.consulRequest');
/** Clients already extended (a user's client may serve several registries). */
const extended = new WeakSet<object>();

/**
 * papi waits for a response's `end` and ignores a connection that closes before it, so a
 * body cut short was noticed only at the request timeout (10 s plain, ~42 s blocking).
 * This wraps the transport of our requests: a response that closes incomplete fails the
 * request at once, through papi's own error path.
 */
function failIncompleteResponses(client: ConsulClientLike): void {
  if (typeof client._ext !== 'function' || extended.has(client)) return;
  extended.add(client);
  client._ext('onRequest', (request, next) => {
    const transport = request.transport;
    const ctx = request.opts?.ctx as { [OURS]?: true } | undefined;
    if (ctx?.[OURS] === true && transport !== undefined) {
      request.transport = {
        request: (options: unknown) => {
          const req = transport.request(options);
          req.once('response', (res: IncomingMessage) => {
            res.once('close', () => {
              if (!res.complete) req.emit('error', new IncompleteResponseError());
            });
          });
          return req;
        },
      };
    }
    next();
  });
}

class IncompleteResponseError extends Error {
  readonly code = 'ECONNRESET';
  constructor() {
    super('the connection closed before the whole answer arrived');
  }
}

/** Resolves with nothing once the request succeeded; keeps the error otherwise. */
const noBody: Middleware = (request, next) => (request.err === undefined ? next(false) : next(false, request.err));

/**
 * The agent endpoints the registry calls, over the `consul` package's client, with
 * every failure turned into a {@link ConsulRequestError} that holds nothing secret.
 * The ACL token travels only in the `X-Consul-Token` header.
 */
export class ConsulApi {
  /** True private fields: `util.inspect` and `JSON.stringify` of the registry never reach them. */
  readonly #token: string | undefined;
  /** The client's sockets hold the headers of requests in flight, `X-Consul-Token` included. */
  readonly #client: ConsulClientLike;
  private readonly options: Omit<ConsulApiOptions, 'token'>;

  constructor(client: ConsulClientLike, options: ConsulApiOptions) {
    const { token, ...rest } = options;
    this.#token = token;
    this.#client = client;
    this.options = rest;
    failIncompleteResponses(client);
  }

  /**
   * `GET /v1/health/service/:service`, blocking on `index` for up to `waitMs` when index > 0.
   * The socket timeout is `waitMs × 17/16` (Consul adds up to wait/16 of jitter) plus
   * `requestTimeoutMs`, so a healthy blocking query never times out but a dead connection does.
   */
  async healthService(
    service: string,
    index: bigint,
    /** How long a blocking query may wait: `wait`, or less (a restart grace that ends sooner). */
    waitMs: number,
    filter: string | undefined,
    signal: AbortSignal,
  ): Promise<HealthAnswer> {
    const operation = `GET /v1/health/service/${encodeURIComponent(service)}`;
    const blocking = index > 0n;
    const timeout = blocking
      ? Math.ceil((waitMs * 17) / 16) + this.options.requestTimeoutMs
      : this.options.requestTimeoutMs;
    const result = await this.call(operation, signal, true, (ctx) =>
      this.#client.health.service({
        service,
        ...(blocking ? { index: index.toString(), wait: `${Math.ceil(waitMs)}ms` } : {}),
        ...(this.options.datacenter === undefined ? {} : { dc: this.options.datacenter }),
        ...(filter === undefined ? {} : { filter }),
        ...this.common(timeout),
        ctx,
      }),
    );
    const [response, body] = Array.isArray(result) ? (result as [HttpResponse | undefined, unknown]) : [];
    const answerIndex = parseIndexHeader(response?.headers['x-consul-index']);
    if (answerIndex === undefined) {
      throw new ConsulRequestError(operation, 'invalid_response', 'no valid X-Consul-Index header in the answer');
    }
    if (!Array.isArray(body)) {
      throw new ConsulRequestError(operation, 'invalid_response', `expected a JSON array, got ${describe(body)}`);
    }
    return { entries: body, index: answerIndex };
  }

  /** `PUT /v1/agent/service/register` with the definition as given (Weights included). */
  async register(definition: { readonly ID: string }, signal: AbortSignal): Promise<void> {
    const headers: Record<string, string> = {};
    if (this.#token !== undefined) headers['x-consul-token'] = this.#token;
    await this.call('PUT /v1/agent/service/register', signal, false, (ctx) =>
      this.#client._put(
        {
          name: 'agent.service.register',
          path: '/agent/service/register',
          type: 'json',
          body: definition,
          headers,
          timeout: this.options.requestTimeoutMs,
          ctx,
        },
        noBody,
      ),
    );
  }

  /** `PUT /v1/agent/service/deregister/:id`; an id the agent does not know (404) is not an error. */
  async deregister(id: string, signal: AbortSignal): Promise<void> {
    try {
      await this.call(`PUT /v1/agent/service/deregister/${encodeURIComponent(id)}`, signal, false, (ctx) =>
        this.#client.agent.service.deregister({ id, ...this.common(this.options.requestTimeoutMs), ctx }),
      );
    } catch (error) {
      if (error instanceof ConsulRequestError && error.status === 404) return;
      throw error;
    }
  }

  /** `PUT /v1/agent/check/pass/:checkId` (a TTL heartbeat). */
  async passCheck(checkId: string, signal: AbortSignal): Promise<void> {
    await this.call(`PUT /v1/agent/check/pass/${encodeURIComponent(checkId)}`, signal, false, (ctx) =>
      this.#client.agent.check.pass({ id: checkId, ...this.common(this.options.requestTimeoutMs), ctx }),
    );
  }

  /** The ids of the services the local agent has (`GET /v1/agent/services`). */
  async agentServiceIds(signal: AbortSignal): Promise<Set<string>> {
    const operation = 'GET /v1/agent/services';
    const body = await this.call(operation, signal, false, (ctx) =>
      this.#client.agent.service.list({ ...this.common(this.options.requestTimeoutMs), ctx }),
    );
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ConsulRequestError(operation, 'invalid_response', `expected a JSON object, got ${describe(body)}`);
    }
    return new Set(Object.keys(body));
  }

  /**
   * The local agent's `Config.NodeID` (`GET /v1/agent/self`, which needs `agent:read`). A
   * dev agent, or one whose data dir was wiped, gets a new one when it restarts.
   */
  async agentNodeId(signal: AbortSignal): Promise<string> {
    const operation = 'GET /v1/agent/self';
    const self = this.#client.agent.self;
    if (self === undefined) throw new ConsulRequestError(operation, 'internal', 'the consul client has no agent.self');
    const body = await this.call(operation, signal, false, (ctx) =>
      self.call(this.#client.agent, { ...this.common(this.options.requestTimeoutMs), ctx }),
    );
    const id = (body as { Config?: { NodeID?: unknown } } | null)?.Config?.NodeID;
    if (typeof id !== 'string' || id === '') {
      throw new ConsulRequestError(operation, 'invalid_response', 'no Config.NodeID in the answer');
    }
    return id;
  }

  /** The status of each of the local agent's checks, by check id (`GET /v1/agent/checks`). */
  async agentCheckStatuses(signal: AbortSignal): Promise<Map<string, string>> {
    const operation = 'GET /v1/agent/checks';
    const check = this.#client.agent.check;
    if (check.list === undefined)
      throw new ConsulRequestError(operation, 'internal', 'the consul client has no agent.check.list');
    const list = check.list;
    const body = await this.call(operation, signal, false, (ctx) =>
      list.call(check, { ...this.common(this.options.requestTimeoutMs), ctx }),
    );
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ConsulRequestError(operation, 'invalid_response', `expected a JSON object, got ${describe(body)}`);
    }
    const statuses = new Map<string, string>();
    for (const [id, value] of Object.entries(body)) {
      const status = (value as { Status?: unknown } | null)?.Status;
      if (typeof status === 'string') statuses.set(id, status);
    }
    return statuses;
  }

  private common(timeout: number): RequestOptions {
    return this.#token === undefined ? { timeout } : { token: this.#token, timeout };
  }

  /** Runs one request, cancellable by `signal`, and translates its failure. */
  private async call<T>(
    operation: string,
    signal: AbortSignal,
    includeResponse: boolean,
    send: (ctx: EventEmitter & { includeResponse: boolean }) => Promise<T>,
  ): Promise<T> {
    if (signal.aborted) throw new ConsulRequestError(operation, 'aborted', 'cancelled');
    const ctx = Object.assign(new EventEmitter(), { includeResponse, [OURS]: true as const });
    const cancel = (): void => {
      ctx.emit('cancel');
    };
    signal.addEventListener('abort', cancel, { once: true });
    try {
      return await send(ctx);
    } catch (error) {
      throw this.translate(operation, error, signal);
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  private translate(operation: string, error: unknown, signal: AbortSignal): ConsulRequestError {
    if (signal.aborted) return new ConsulRequestError(operation, 'aborted', 'cancelled');
    const e = (typeof error === 'object' && error !== null ? error : {}) as {
      isResponse?: boolean;
      isCodec?: boolean;
      isTimeout?: boolean;
      statusCode?: number;
      response?: { body?: unknown };
      code?: unknown;
      message?: unknown;
    };
    const message = typeof e.message === 'string' ? e.message : String(error);
    if (e.isResponse === true && typeof e.statusCode === 'number') {
      const body = e.response?.body;
      const text = typeof body === 'string' ? body.trim() : Buffer.isBuffer(body) ? body.toString('utf8').trim() : '';
      const detail = `HTTP ${e.statusCode}${text === '' ? '' : ` (${this.scrub(text)})`}`;
      return new ConsulRequestError(operation, String(e.statusCode), detail, e.statusCode);
    }
    // A parser's message quotes the body (V8: `Unexpected token … "secret-to"... is not valid JSON`),
    // and the body may echo the token: say what failed, never what it read.
    if (e.isCodec === true)
      return new ConsulRequestError(operation, 'invalid_response', 'the answer is not valid JSON');
    if (e.isTimeout === true) return new ConsulRequestError(operation, 'timeout', this.scrub(message));
    const code = typeof e.code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(e.code) ? e.code : 'request_failed';
    return new ConsulRequestError(operation, code, this.scrub(message));
  }

  /** Consul's error text, without the token should it ever be echoed, and capped. */
  private scrub(text: string): string {
    const token = this.#token;
    const withoutToken = token === undefined || token === '' ? text : text.split(token).join('REDACTED');
    return redactSecrets(withoutToken);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'an empty body';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'text' : typeof value;
}
