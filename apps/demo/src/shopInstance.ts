import type { Behaviour } from './behaviour.js';
import type { InstanceStats } from './instanceStats.js';

/** What stopping an instance did (the Express lifecycle's `ShutdownResult`, minus errors). */
export interface StopResult {
  /** It was registered and is now deregistered. */
  readonly deregistered: boolean;
  /** Every in-flight request finished before the drain deadline. */
  readonly drained: boolean;
  /** Requests cut at the deadline. */
  readonly forced: number;
}

/** One running server of the shop: a service instance registered in the registry. */
export interface ShopInstance {
  readonly service: string;
  /** Its instance id in the registry, e.g. `catalog-2`. */
  readonly name: string;
  readonly framework: 'express' | 'nestjs';
  readonly port: number;
  readonly behaviour: Behaviour;
  readonly stats: InstanceStats;
  /** Deregisters, stops accepting, drains in-flight requests and closes. Idempotent. */
  stop(): Promise<StopResult>;
}
