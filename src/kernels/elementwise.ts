import type { Buf } from "../tensor.js";

// Row-broadcast and reduction helpers over [rows×cols] buffers.

/** out[r×c] += bias[c] for every row r. */
export function addRowVector(out: Buf, bias: Buf, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) out[row + c] += bias[c];
  }
}

/** biasGrad[c] += Σ_r grad[r×c]: the gradient of a bias broadcast over rows. */
export function addColumnSums(biasGrad: Buf, grad: Buf, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) biasGrad[c] += grad[row + c];
  }
}

/** out += scale · x */
export function axpy(out: Buf, x: Buf, scale = 1): void {
  for (let i = 0; i < out.length; i++) out[i] += scale * x[i];
}

export function scale(out: Buf, factor: number): void {
  for (let i = 0; i < out.length; i++) out[i] *= factor;
}

export function sumOfSquares(x: Buf): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  return sum;
}

export function maxAbs(x: Buf): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > max || Number.isNaN(a)) max = a;
  }
  return max;
}

export function dot(a: Buf, b: Buf): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

export function allFinite(x: Buf): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}
