import type { Buf } from "../tensor.js";

/** One compared quantity: the largest error scaled by the reference's size,
 *  max |a − b| / max(1, max |b|), so near-zero entries (saturated units, unused embedding rows)
 *  are not held to a meaningless relative match. Exact fields (integers, flags) score 0 or ∞. */
export interface QuantityError {
  name: string;
  error: number;
  tolerance: number;
  ok: boolean;
}

export function scaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let maxDiff = 0;
  let maxRef = 1;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= maxDiff)) maxDiff = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff;
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / maxRef;
}

/** Collects quantities for one run at one tolerance, and what the run could not compute. */
export class Comparison {
  readonly quantities: QuantityError[] = [];
  /** What was not run and why (a part, or the whole fixture, the backend lacks). */
  readonly notRun: string[] = [];

  constructor(readonly tolerance: number) {}

  values(name: string, actual: Buf | ArrayLike<number>, expected: ArrayLike<number>): void {
    this.push(name, scaledError(actual, expected));
  }

  scalar(name: string, actual: number, expected: number): void {
    this.push(name, scaledError([actual], [expected]));
  }

  exact(name: string, actual: unknown, expected: unknown): void {
    this.push(name, actual === expected ? 0 : Number.POSITIVE_INFINITY);
  }

  /** Records that `what` was not compared, and why (it counts as neither passed nor failed). */
  skip(what: string): void {
    this.notRun.push(what);
  }

  private push(name: string, error: number): void {
    this.quantities.push({ name, error, tolerance: this.tolerance, ok: error <= this.tolerance });
  }
}
