import { NoInstancesError } from '../errors/NoInstancesError.js';
import type { Instance } from '../registry/Instance.js';
import type { Balancer, PickContext } from './Balancer.js';
import { balancerOptions } from './balancerOptions.js';
import { isUsableWeight } from './isUsableWeight.js';
import { ServiceStates } from './ServiceStates.js';

/** The weighted balancer has no options: weights come from `Instance.weight`. */
export type SmoothWeightedOptions = Record<string, never>;

/** nginx's `current_weight` of one instance id, kept across list changes, plus the list generation that last saw it. */
interface Slot {
  current: number;
  seen: number;
}

class WeightedState {
  readonly byId = new Map<string, Slot>();
  array: readonly Instance[] | undefined;
  length = -1;
  generation = 0;
  /** `slots[i]`, `currents[i]` and `weights[i]` belong to `array[i]`; a pick touches only the typed arrays. */
  slots: Slot[] = [];
  currents = new Float64Array(16);
  weights = new Float64Array(16);
  total = 0;
}

/**
 * nginx's smooth weighted round-robin: each pick adds every instance's weight to its
 * `current`, picks the largest `current` and subtracts the total weight from it. Over
 * a cycle each instance gets exactly its share, spread out rather than in bursts
 * (weights 5, 1, 1 give a a b a c a a). Zero-weight instances get nothing unless every
 * weight is 0, when all count as 1 (plain round-robin).
 *
 * Any finite weights work: when their total passes 2^53 (two of 1e308 overflow to
 * Infinity) they are scaled down by the largest, which keeps every share.
 *
 * A pick is O(n) over typed arrays aligned with the list; the state is kept by
 * instance id and re-aligned only when the list (array reference or length)
 * changes. A duplicated id counts as two entries, so it gets the sum of its weights.
 */
export class SmoothWeightedBalancer implements Balancer {
  readonly name = 'weighted';
  private readonly services = new ServiceStates(() => new WeightedState());

  constructor(options?: SmoothWeightedOptions) {
    balancerOptions('weighted', options, []);
  }

  pick(instances: readonly Instance[], ctx: PickContext): Instance {
    const n = instances.length;
    if (n === 0) throw new NoInstancesError(ctx.service);
    if (n === 1) return instances[0] as Instance;
    const state = this.services.get(ctx.service);
    if (instances !== state.array || n !== state.length) align(state, instances);
    const currents = state.currents;
    const weights = state.weights;
    let best = -1;
    let bestCurrent = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const weight = weights[i] as number;
      if (weight === 0) continue;
      const current = (currents[i] as number) + weight;
      currents[i] = current;
      if (current > bestCurrent) {
        bestCurrent = current;
        best = i;
      }
    }
    currents[best] = bestCurrent - state.total;
    return instances[best] as Instance;
  }
}

/**
 * Above this the sums of a pick lose precision (past 2^53 `current + weight` rounds) and,
 * near Number.MAX_VALUE, overflow to Infinity, so no `current` compares larger and a pick
 * finds nothing. Larger totals are scaled down, keeping every share.
 */
const MAX_TOTAL_WEIGHT = 2 ** 53;

/** Divides the weights by the largest one (each ends in (0, 1], the sum at most n); returns the new total. */
function rescale(weights: Float64Array, n: number): number {
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, weights[i] as number);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const weight = (weights[i] as number) / max;
    weights[i] = weight;
    total += weight;
  }
  return total;
}

function align(state: WeightedState, instances: readonly Instance[]): void {
  // Save the phase of the old alignment by id, so instances that stay keep it.
  for (let i = 0; i < state.slots.length; i++) (state.slots[i] as Slot).current = state.currents[i] as number;
  const n = instances.length;
  const generation = ++state.generation;
  let anyUsable = false;
  for (let i = 0; i < n; i++) {
    if (isUsableWeight((instances[i] as Instance).weight)) {
      anyUsable = true;
      break;
    }
  }
  if (state.weights.length < n) {
    const capacity = Math.max(n, state.weights.length * 2);
    state.weights = new Float64Array(capacity);
    state.currents = new Float64Array(capacity);
  }
  state.slots.length = n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const instance = instances[i] as Instance;
    let slot = state.byId.get(instance.id);
    if (slot === undefined) {
      slot = { current: 0, seen: generation };
      state.byId.set(instance.id, slot);
    } else if (slot.seen === generation) {
      slot = { current: 0, seen: generation }; // a duplicate id: its own entry, not tracked by id
    }
    slot.seen = generation;
    const weight = anyUsable ? (isUsableWeight(instance.weight) ? instance.weight : 0) : 1;
    state.slots[i] = slot;
    state.currents[i] = slot.current;
    state.weights[i] = weight;
    total += weight;
  }
  if (!(total <= MAX_TOTAL_WEIGHT)) total = rescale(state.weights, n);
  // Instances that left take their phase with them; one that returns starts from 0, as in nginx after a reload.
  for (const [id, slot] of state.byId) if (slot.seen !== generation) state.byId.delete(id);
  state.array = instances;
  state.length = n;
  state.total = total;
}
