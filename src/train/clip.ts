import { ConfigError, NumericError, ShapeError } from "../errors.js";
import { maxAbs, scale, sumOfSquares } from "../kernels/elementwise.js";
import type { Buf } from "../tensor.js";

// Gradient clipping with PyTorch 1.13's rules (torch.nn.utils.clip_grad_norm_ / clip_grad_value_),
// in place on a list of gradient tensors (e.g. Params.gradViews(), or [Params.grad] for one flat list).

export type NormType = 2 | "inf";

export interface ClipResult {
  /** The norm before clipping (what PyTorch returns). */
  totalNorm: number;
  /** max_norm / (total_norm + 1e-6); the tensors were multiplied by min(coef, 1). */
  coef: number;
  /** Whether the tensors were scaled: coef < 1 (or NaN, see ClipOptions). */
  clipped: boolean;
}

export interface ClipOptions {
  /** Throw NumericError when the total norm is NaN or ±Infinity (default true). PyTorch's
   *  error_if_nonfinite defaults to false; with false this does what PyTorch then does: it scales by
   *  the coefficient anyway (NaN, or 0 for an infinite norm), so the gradients become NaN. */
  errorIfNonfinite?: boolean;
}

/** PyTorch's constant in clip_coef = max_norm / (total_norm + 1e-6). */
const NORM_EPSILON = 1e-6;

/** The total norm over all tensors: 2: ‖(‖g_1‖₂, …, ‖g_n‖₂)‖₂ (each tensor's norm first, PyTorch's
 *  order); "inf": max |g| over all entries. NaN anywhere gives NaN. */
export function gradNorm(grads: readonly Buf[], normType: NormType = 2): number {
  checkNormType(normType);
  if (normType === "inf") {
    let max = 0;
    for (const g of grads) max = Math.max(max, maxAbs(g));
    return max;
  }
  let sum = 0;
  for (const g of grads) {
    const norm = Math.sqrt(sumOfSquares(g));
    sum += norm * norm;
  }
  return Math.sqrt(sum);
}

/** clip_grad_norm_: scales every tensor by min(1, maxNorm / (totalNorm + 1e-6)), in place. */
export function clipGradNorm(
  grads: readonly Buf[],
  maxNorm: number,
  normType: NormType = 2,
  options: ClipOptions = {},
): ClipResult {
  checkPositive("maxNorm", maxNorm, "gradient norm (e.g. 1)");
  const totalNorm = gradNorm(grads, normType);
  if (!Number.isFinite(totalNorm) && (options.errorIfNonfinite ?? true)) {
    throw new NumericError(
      `gradient norm is ${totalNorm}: the loss or the gradients overflowed; lower the learning rate or clip by value first`,
    );
  }
  // torch evaluates max_norm / tensor as reciprocal(tensor) · max_norm: the same order here keeps
  // the scaled gradients bit-identical to PyTorch's.
  const coef = (1 / (totalNorm + NORM_EPSILON)) * maxNorm;
  // Scaling by min(coef, 1) = 1 changes nothing, so only coef < 1 scales (NaN too: clamp keeps NaN).
  const clipped = !(coef >= 1);
  if (clipped) for (const g of grads) scale(g, coef);
  return { totalNorm, coef, clipped };
}

/** clipGradNorm's rule applied to each tensor on its own. */
export function clipGradNormPerParameter(
  grads: readonly Buf[],
  maxNorm: number,
  normType: NormType = 2,
  options: ClipOptions = {},
): ClipResult[] {
  return grads.map((g) => clipGradNorm([g], maxNorm, normType, options));
}

/** clip_grad_value_: clamps every entry into [−clipValue, clipValue], in place (NaN stays NaN). */
export function clipGradValue(grads: readonly Buf[], clipValue: number): void {
  checkPositive("clipValue", clipValue, "gradient entry (e.g. 0.1)");
  for (const g of grads) clampInPlace(g, clipValue);
}

/** clipGradValue with its own threshold for each tensor. */
export function clipGradValuePerParameter(grads: readonly Buf[], clipValues: readonly number[]): void {
  if (clipValues.length !== grads.length) {
    throw new ShapeError(
      `clipGradValuePerParameter got ${clipValues.length} clip values for ${grads.length} tensors: pass one per tensor`,
    );
  }
  for (const clipValue of clipValues) checkPositive("clipValue", clipValue, "gradient entry (e.g. 0.1)");
  for (let k = 0; k < grads.length; k++) clampInPlace(grads[k], clipValues[k]);
}

function clampInPlace(g: Buf, limit: number): void {
  for (let i = 0; i < g.length; i++) {
    if (g[i] > limit) g[i] = limit;
    else if (g[i] < -limit) g[i] = -limit;
  }
}

function checkPositive(name: string, value: number, allowed: string): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError(
      `${name} must be a finite number > 0, got ${value}: pass the largest ${allowed} to allow`,
    );
  }
}

function checkNormType(normType: NormType): void {
  if (normType !== 2 && normType !== "inf") {
    throw new ConfigError(`normType must be 2 or "inf", got ${JSON.stringify(normType)}`);
  }
}
