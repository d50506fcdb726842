import type { Buf } from "../tensor.js";
import { addColumnSums, addRowVector } from "./elementwise.js";
import { matmul, matmulTransA, matmulTransB } from "./matmul.js";

// Affine map y = x Wᵀ + b (nn.Linear).  x [N×In], W [Out×In], b [Out], y [N×Out].

/** y = x Wᵀ + b (overwrites y). */
export function linearForward(
  y: Buf,
  x: Buf,
  weight: Buf,
  bias: Buf | null,
  N: number,
  In: number,
  Out: number,
): void {
  y.fill(0);
  matmulTransB(y, x, weight, N, In, Out);
  if (bias) addRowVector(y, bias, N, Out);
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
