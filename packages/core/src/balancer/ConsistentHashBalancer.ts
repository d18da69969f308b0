import { ConfigError } from '../errors/ConfigError.js';
import { NoInstancesError } from '../errors/NoInstancesError.js';
import type { Instance } from '../registry/Instance.js';
import type { Balancer, PickContext } from './Balancer.js';
import { balancerOptions } from './balancerOptions.js';
import { buildMaglevTable } from './buildMaglevTable.js';
import { hashString } from './hashString.js';
import { isUsableWeight } from './isUsableWeight.js';
import { ServiceStates } from './ServiceStates.js';

export interface ConsistentHashOptions {
  /**
   * Slots in the Maglev table; must be a prime. Default 65 537. Keep it at least
   * 100 × the number of instances for shares within about 1% of each other.
   */
  readonly tableSize?: number;
}

export const CONSISTENT_HASH_DEFAULT_TABLE_SIZE = 65_537;
const MAX_TABLE_SIZE = 16_777_259; // the first prime above 2^24: 32-64 MB of table is enough for anyone

class HashState {
  array: readonly Instance[] | undefined;
  length = -1;
  /** Backend ids, sorted, so the table does not depend on input order. */
  ids: string[] = [];
  weights: number[] = [];
  indexById = new Map<string, number>();
  /** The instance object (from the latest list) behind each backend index. */
  backends: Instance[] = [];
  table: Uint16Array | Uint32Array | undefined;
  marks = new Int32Array(0);
  generation = 0;
  /** Round-robin cursor for picks without a key. */
  next = 0;
}

/**
 * Sends every call with the same `ctx.key` to the same instance, using a Maglev table
 * over the instance ids. The table depends only on the set of (id, weight) pairs, not
 * on list order; it is rebuilt only when that set changes. A new list array with the
 * same members (a fresh snapshot, a re-filtered copy) costs one map lookup per
 * instance and no rebuild.
 *
 * Zero-weight instances get no keys unless every weight is 0. Calls without a key are
 * spread round-robin over the same instances (deterministic, no hot spot, no RNG).
 * Duplicate ids collapse to one backend; the instance with the smallest host:port wins.
 */
export class ConsistentHashBalancer implements Balancer {
  readonly name = 'consistent-hash';
  readonly tableSize: number;
  private readonly services = new ServiceStates(() => new HashState());

  constructor(options?: ConsistentHashOptions) {
    const o = balancerOptions('consistentHash', options, ['tableSize']);
    this.tableSize =
      o.tableSize === undefined
        ? CONSISTENT_HASH_DEFAULT_TABLE_SIZE
        : primeOption('consistentHash.tableSize', o.tableSize);
  }

  pick(instances: readonly Instance[], ctx: PickContext): Instance {
    const n = instances.length;
    if (n === 0) throw new NoInstancesError(ctx.service);
    if (n === 1) return instances[0] as Instance;
    const state = this.services.get(ctx.service);
    if (instances !== state.array || n !== state.length) this.sync(state, instances);
    const backends = state.backends;
    const key = ctx.key;
    if (key === undefined) {
      let k = state.next;
      if (k >= backends.length) k = k % backends.length;
      state.next = k + 1;
      return backends[k] as Instance;
    }
    const table = state.table as Uint16Array | Uint32Array;
    return backends[table[hashString(key) % this.tableSize] as number] as Instance;
  }

  /** Table slots per instance id for `service` (its share of the key space), from the last list picked from. */
  shares(service: string): Map<string, number> {
    const shares = new Map<string, number>();
    const state = this.services.peek(service);
    if (state?.table === undefined) return shares;
    for (const id of state.ids) shares.set(id, 0);
    for (const index of state.table) {
      const id = state.ids[index] as string;
      shares.set(id, (shares.get(id) ?? 0) + 1);
    }
    return shares;
  }

  private sync(state: HashState, instances: readonly Instance[]): void {
    state.array = instances;
    state.length = instances.length;
    const anyUsable = instances.some((instance) => isUsableWeight(instance.weight));
    if (state.table !== undefined && sameBackends(state, instances, anyUsable)) return;
    const chosen = new Map<string, Instance>();
    for (const instance of instances) {
      if (anyUsable && !isUsableWeight(instance.weight)) continue;
      const current = chosen.get(instance.id);
      if (current === undefined || preferred(instance, current)) chosen.set(instance.id, instance);
    }
    const ids = [...chosen.keys()].sort();
    state.ids = ids;
    state.backends = ids.map((id) => chosen.get(id) as Instance);
    state.weights = state.backends.map((instance) => (anyUsable ? instance.weight : 1));
    state.indexById = new Map(ids.map((id, index) => [id, index]));
    state.marks = new Int32Array(ids.length);
    state.table = buildMaglevTable(ids, state.weights, this.tableSize);
  }
}

/** Whether `instances` has exactly the backends (ids and weights) the table was built for; if so, adopts its objects. */
function sameBackends(state: HashState, instances: readonly Instance[], anyUsable: boolean): boolean {
  const generation = ++state.generation;
  let distinct = 0;
  for (const instance of instances) {
    if (anyUsable && !isUsableWeight(instance.weight)) continue;
    const index = state.indexById.get(instance.id);
    if (index === undefined || state.weights[index] !== (anyUsable ? instance.weight : 1)) return false;
    if (state.marks[index] !== generation) {
      state.marks[index] = generation;
      state.backends[index] = instance;
      distinct++;
    } else if (preferred(instance, state.backends[index] as Instance)) {
      state.backends[index] = instance;
    }
  }
  return distinct === state.ids.length;
}

/** Deterministic choice between two instances with the same id, whatever their order in the list. */
function preferred(a: Instance, b: Instance): boolean {
  return a.host < b.host || (a.host === b.host && a.port < b.port);
}

function primeOption(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 2 || value > MAX_TABLE_SIZE || !isPrime(value)) {
    throw new ConfigError(option, `a prime from 2 to ${MAX_TABLE_SIZE} (e.g. 65537)`, value);
  }
  return value;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
