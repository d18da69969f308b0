/** Weight 0 (and anything not a positive finite number) means "no traffic unless nothing else is left". */
export function isUsableWeight(weight: number): boolean {
  return weight > 0 && weight < Number.POSITIVE_INFINITY;
}
