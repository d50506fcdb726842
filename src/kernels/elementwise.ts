import type { Buf } from "../tensor.js";
import { wasmPointwiseEnabled } from "./pointwise-wasm.js";
import { columnSumsWasm } from "./rows-wasm.js";

// Row-broadcast and reduction helpers over [rows×cols] buffers.

// addColumnSums runs on every training step over [T·B×G·H] gate blocks. Four columns per iteration
// halve its cost in V8 (the loop's own compare, branch and bounds checks are most of it); each
// element still gets its own load, add and store, so the results are bit for bit those of the
// one-column loop, in float32 as in float64.

/** out[r×c] = bias[c] for every row r: a bias broadcast over rows, before products add into out. */
export function setRowVector(out: Buf, bias: Buf, rows: number, cols: number): void {
  const row = bias.length === cols ? bias : bias.subarray(0, cols);
  for (let r = 0; r < rows; r++) out.set(row, r * cols);
}

/** biasGrad[c] += Σ_r grad[r×c]: the gradient of a bias broadcast over rows (rows in order; in
 *  WebAssembly for float32 where it loads, with the same result). */
export function addColumnSums(biasGrad: Buf, grad: Buf, rows: number, cols: number): void {
  if (biasGrad instanceof Float32Array && grad instanceof Float32Array && wasmPointwiseEnabled()) {
    columnSumsWasm(biasGrad, grad, rows, cols);
    return;
  }
  const cols4 = cols - (cols % 4);
  for (let row = 0; row < rows * cols; row += cols) {
    let c = 0;
    for (; c < cols4; c += 4) {
      biasGrad[c] += grad[row + c];
      biasGrad[c + 1] += grad[row + c + 1];
      biasGrad[c + 2] += grad[row + c + 2];
      biasGrad[c + 3] += grad[row + c + 3];
    }
    for (; c < cols; c++) biasGrad[c] += grad[row + c];
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
