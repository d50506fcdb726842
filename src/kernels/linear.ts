import type { Buf } from "../tensor.js";
import { addColumnSums, setRowVector } from "./elementwise.js";
import { matmul, matmulTransA, matmulTransB } from "./matmul.js";

// Affine map y = x Wᵀ + b (nn.Linear).  x [N×In], W [Out×In], b [Out], y [N×Out].

/** y = x Wᵀ + b (overwrites y): y starts as b on every row (a row copy) and the product adds into
 *  it, as BLAS addmm does. */
export function linearForward(
  y: Buf,
  x: Buf,
  weight: Buf,
  bias: Buf | null,
  N: number,
  In: number,
  Out: number,
): void {
  if (bias) setRowVector(y, bias, N, Out);
  else y.fill(0, 0, N * Out);
  matmulTransB(y, x, weight, N, In, Out);
}

/** dW += dyᵀ x, db += Σ_rows dy, dx += dy W (dx skipped when null). */
export function linearBackward(
  xGrad: Buf | null,
  weightGrad: Buf,
  biasGrad: Buf | null,
  yGrad: Buf,
  x: Buf,
  weight: Buf,
  N: number,
  In: number,
  Out: number,
): void {
  matmulTransA(weightGrad, yGrad, x, Out, N, In);
  if (biasGrad) addColumnSums(biasGrad, yGrad, N, Out);
  if (xGrad) matmul(xGrad, yGrad, weight, N, Out, In);
}
