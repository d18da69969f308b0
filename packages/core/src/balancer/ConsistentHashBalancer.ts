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
   * Slots in the Maglev table; must be a prime. Default 65 537. A floor: a fleet of N
   * instances gets at least the smallest prime >= 10 × N, so no instance goes without
   * keys. Keep it at least 100 × N for shares within about 1% of each other.
   */
  readonly tableSize?: number;
}

export const CONSISTENT_HASH_DEFAULT_TABLE_SIZE = 65_537;
const MAX_TABLE_SIZE = 16_777_259; // the first prime above 2^24: 32-64 MB of table is enough for anyone
/** Rehashes of a key whose slot belongs to an instance missing from the list, before walking the table. */
const REHASHES = 4;
/**
 * Slots per instance the table never goes below: equal-weight shares differ by at most
 * one slot, so 10 keep the busiest instance within 1.1 × the average.
 */
const MIN_SLOTS_PER_INSTANCE = 10;

class HashState {
  /** The list last picked from, and its length, to notice a new one cheaply. */
  array: readonly Instance[] | undefined;
  length = -1;
  /** Backends the table was built over: ids sorted, so the table does not depend on input order. */
  ids: string[] = [];
  weights: number[] = [];
  indexById = new Map<string, number>();
  table: Uint16Array | Uint32Array | undefined;
  /** `table.length`: the configured size, or more for a fleet that outgrew it. */
  size = 0;
  /** Which backends are in the current list (`present[i] === generation`), and their objects from it. */
  present = new Int32Array(0);
  generation = 0;
  members: Instance[] = [];
  /** Indices of the present backends, in id order, for picks without a key. */
  presentList = new Int32Array(0);
  presentCount = 0;
  /** Round-robin cursor for picks without a key. */
  next = 0;
}

/**
 * Sends every call with the same `ctx.key` to the same instance, using a Maglev table
 * over the instance ids. The table depends only on the set of (id, weight) pairs, not
 * on list order, so every client with the same instances maps keys alike.
 *
 * The table is built over the membership: the list given to `retain` (the client
 * calls it on every registry change), or a list holding an id or weight the table does
 * not know. A list that is a subset of it (a breaker ejected an instance, a retry
 * excludes the one that failed) does not rebuild anything: a key whose slot belongs
 * to a missing instance is rehashed (then the table walked) until it lands on one that
 * is present, so only the missing instances' keys move, and they return when it does.
 * If fewer than half the table's instances are present, the table is rebuilt over the
 * list. A new array with the same members costs one map lookup per instance.
 *
 * The table has `tableSize` slots, or the smallest prime >= 10 × the instances when the
 * fleet outgrows that, so every instance gets keys (a smaller table left some with none).
 *
 * Zero-weight instances get no keys unless every weight is 0. Calls without a key are
 * spread round-robin over the present instances in id order (deterministic, no hot
 * spot, no RNG). Duplicate ids collapse to one backend; the instance with the smallest
 * host:port wins, whatever the order.
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
    const key = ctx.key;
    if (key === undefined) {
      let k = state.next;
      if (k >= state.presentCount) k = k % state.presentCount;
      state.next = k + 1;
      return state.members[state.presentList[k] as number] as Instance;
    }
    const table = state.table as Uint16Array | Uint32Array;
    const size = state.size;
    let slot = hashString(key, 0, size);
    let index = table[slot] as number;
    if (state.present[index] === state.generation) return state.members[index] as Instance;
    // The slot's owner is not in this list: rehash like Envoy's host-selection retries, then walk.
    for (let attempt = 1; attempt <= REHASHES; attempt++) {
      index = table[hashString(key, attempt, size)] as number;
      if (state.present[index] === state.generation) return state.members[index] as Instance;
    }
    for (let step = 1; step < size; step++) {
      slot = slot + 1 === size ? 0 : slot + 1;
      index = table[slot] as number;
      if (state.present[index] === state.generation) return state.members[index] as Instance;
    }
    // No present instance owns a slot: only when those present have weights too small for one.
    this.build(state, instances);
    return this.pick(instances, ctx);
  }

  /** Rebuilds the table of each service in `live` whose membership changed; forgets services not in it. */
  retain(live: readonly Instance[]): void {
    const byService = new Map<string, Instance[]>();
    for (const instance of live) {
      const list = byService.get(instance.service);
      if (list === undefined) byService.set(instance.service, [instance]);
      else list.push(instance);
    }
    for (const [service] of [...this.services.entries()]) {
      if (!byService.has(service)) this.services.delete(service);
    }
    for (const [service, members] of byService) {
      // Build now, off the pick path: for a service not picked from yet, or whose membership
      // changed. Either way the marks now describe `live`, so the next pick maps its own
      // list onto the table again. One instance needs no table (a pick returns it).
      const state = this.services.get(service);
      if (state.table === undefined ? members.length > 1 : !this.matchesTable(state, members, false)) {
        this.build(state, members);
      }
      state.array = undefined;
    }
  }

  /** Table slots per instance id for `service` (its share of the key space). */
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
    if (state.table === undefined || !this.matchesTable(state, instances, true)) this.build(state, instances);
    state.array = instances;
    state.length = instances.length;
  }

  /**
   * Marks which backends `instances` holds. True when every usable instance is a known
   * backend with its weight and (for a pick's list) at least half the backends are present.
   */
  private matchesTable(state: HashState, instances: readonly Instance[], subsetAllowed: boolean): boolean {
    const anyUsable = instances.some((instance) => isUsableWeight(instance.weight));
    const generation = ++state.generation;
    let distinct = 0;
    for (const instance of instances) {
      if (anyUsable && !isUsableWeight(instance.weight)) continue;
      const index = state.indexById.get(instance.id);
      if (index === undefined || state.weights[index] !== (anyUsable ? instance.weight : 1)) return false;
      if (state.present[index] !== generation) {
        state.present[index] = generation;
        state.members[index] = instance;
        state.presentList[distinct++] = index;
      } else if (preferred(instance, state.members[index] as Instance)) {
        state.members[index] = instance;
      }
    }
    const total = state.ids.length;
    if (subsetAllowed ? distinct * 2 < total : distinct !== total) return false;
    state.presentList.subarray(0, distinct).sort(); // id order for round-robin, whatever the list order
    state.presentCount = distinct;
    return true;
  }

  private build(state: HashState, instances: readonly Instance[]): void {
    const anyUsable = instances.some((instance) => isUsableWeight(instance.weight));
    const chosen = new Map<string, Instance>();
    for (const instance of instances) {
      if (anyUsable && !isUsableWeight(instance.weight)) continue;
      const current = chosen.get(instance.id);
      if (current === undefined || preferred(instance, current)) chosen.set(instance.id, instance);
    }
    const ids = [...chosen.keys()].sort();
    state.ids = ids;
    state.members = ids.map((id) => chosen.get(id) as Instance);
    state.weights = state.members.map((instance) => (anyUsable ? instance.weight : 1));
    state.indexById = new Map(ids.map((id, index) => [id, index]));
    state.size = tableSizeFor(this.tableSize, ids.length);
    state.table = buildMaglevTable(ids, state.weights, state.size);
    state.generation = 1;
    state.present = new Int32Array(ids.length).fill(1);
    state.presentList = Int32Array.from(ids, (_, index) => index);
    state.presentCount = ids.length;
  }
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

/** `configured`, or the smallest prime >= 10 × `instances` when that is larger (capped at the maximum size). */
function tableSizeFor(configured: number, instances: number): number {
  const wanted = MIN_SLOTS_PER_INSTANCE * instances;
  if (configured >= wanted) return configured;
  if (wanted >= MAX_TABLE_SIZE) return MAX_TABLE_SIZE;
  let size = wanted;
  while (!isPrime(size)) size++;
  return size;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
