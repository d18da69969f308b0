// opossum 10 ships no types and @types/opossum describes opossum 8/9 under the name
// "opossum", not the "opossum-10" alias: the little of its API the bench uses.
declare module 'opossum-10' {
  export interface Options {
    readonly timeout?: number | false;
    readonly resetTimeout?: number;
    readonly enableSnapshots?: boolean;
    readonly rollingPercentilesEnabled?: boolean;
  }
  export default class CircuitBreaker<R> {
    constructor(action: () => Promise<R>, options?: Options);
    fire(): Promise<R>;
    open(): void;
    shutdown(): void;
    readonly opened: boolean;
  }
}
