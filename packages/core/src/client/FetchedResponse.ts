type ResponseBody = ConstructorParameters<typeof Response>[0];

/**
 * The Response `client.fetch` hands back when it sent the request over undici's
 * `request`: a real `Response` (body, headers, `json()`, `instanceof Response`) that also
 * says where it came from, as one from fetch does. A constructed Response has no URL of
 * its own and reports `type` `'default'`.
 */
export class FetchedResponse extends Response {
  readonly #url: string;
  readonly #redirected: boolean;
  readonly #type: 'basic' | 'cors';
  /** The base clone this one took its body from: undici cancels that body once its Response is collected. */
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: held only to keep the base clone alive as long as this one.
  #source: Response | undefined;

  /** `crossOrigin`: redirected to another origin than the request's (fetch then says `'cors'`). */
  constructor(body: ResponseBody, init: ResponseInit, url: string, redirected: boolean, crossOrigin: boolean) {
    super(body, init);
    this.#url = url;
    this.#redirected = redirected;
    this.#type = crossOrigin ? 'cors' : 'basic';
  }

  static {
    // Response declares these as properties (they are accessors): set on the prototype, once.
    Object.defineProperties(FetchedResponse.prototype, {
      url: {
        get(this: FetchedResponse): string {
          return this.#url;
        },
      },
      redirected: {
        get(this: FetchedResponse): boolean {
          return this.#redirected;
        },
      },
      type: {
        get(this: FetchedResponse): string {
          return this.#type;
        },
      },
      clone: {
        value(this: FetchedResponse): Response {
          // The base clone tees the body (and refuses a used one); its copy knows no URL.
          const copy = Response.prototype.clone.call(this);
          const init = { status: this.status, statusText: this.statusText, headers: this.headers };
          const clone = new FetchedResponse(copy.body, init, this.#url, this.#redirected, this.#type === 'cors');
          clone.#source = copy;
          return clone;
        },
      },
    });
  }
}
