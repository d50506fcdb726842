import type { Buf } from "../tensor.js";
import { softmaxRowsWasm, wasmPointwiseEnabled } from "./pointwise-wasm.js";

// Losses over N rows of width C, each a mean over the rows (and units) that count, writing the
// gradient of that mean into `grad` (overwritten; rows that do not count get zero). Each returns
// `out` (a new object unless given: a training loop passes its own, so a step allocates nothing)
// with the mean loss and the count it is over.

export interface LossValue {
  loss: number;
  count: number;
}

/** Softmax cross-entropy, PyTorch's F.cross_entropy(reduction="mean", ignore_index=-1):
 *  loss = mean over rows with target >= 0 of logsumexp(z) − z[target];
 *  d loss / d z = (softmax(z) − onehot(target)) / count, with softmax(z)_c = e^{z_c − max} / Σ e^{z − max}
 *  (one exponential per logit: the row's e^{z_c − max} are kept in float64 between the two passes).
 *  In float32 the softmax runs in WebAssembly where it loads (kernels/pointwise-wasm.ts). */
export function softmaxCrossEntropy(
  grad: Buf,
  logits: Buf,
  targets: Int32Array,
  N: number,
  C: number,
  out: LossValue = { loss: 0, count: 0 },
): LossValue {
  let count = 0;
  for (let n = 0; n < N; n++) if (targets[n] >= 0) count++;
  const inverseCount = count > 0 ? 1 / count : 0;
  if (grad instanceof Float32Array && logits instanceof Float32Array && wasmPointwiseEnabled()) {
    return setLoss(out, softmaxCrossEntropyWasm(grad, logits, targets, N, C, inverseCount), count);
  }
  if (rowExps.length < C) rowExps = new Float64Array(C);
  const exps = rowExps;
  let sum = 0;
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const target = targets[n];
    if (target < 0) {
      grad.fill(0, row, row + C);
      continue;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < C; c++) if (logits[row + c] > max) max = logits[row + c];
    let sumExp = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(logits[row + c] - max);
      exps[c] = e;
      sumExp += e;
    }
    sum += max + Math.log(sumExp) - logits[row + target];
    const gradScale = inverseCount / sumExp;
    for (let c = 0; c < C; c++) grad[row + c] = exps[c] * gradScale;
    grad[row + target] -= inverseCount;
  }
  return setLoss(out, sum * inverseCount, count);
}

/** e^{z − max} of one row, reused across calls (grown to the widest row seen). */
let rowExps = new Float64Array(0);

/** softmaxCrossEntropy's float32 path: the softmax of every row in WebAssembly into grad, then the
 *  loss from each row's max and Σ e^{z − max}, and grad = (softmax − onehot) / count. Returns the
 *  mean loss. */
function softmaxCrossEntropyWasm(
  grad: Float32Array,
  logits: Float32Array,
  targets: Int32Array,
  N: number,
  C: number,
  inverseCount: number,
): number {
  if (rowMax.length < N) {
    rowMax = new Float32Array(N);
    rowSum = new Float32Array(N);
  }
  // grad = softmax(z) / count from the kernel (one rounding), then − 1/count at the target.
  softmaxRowsWasm(grad, logits, rowMax, rowSum, N, C, inverseCount);
  let sum = 0;
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const target = targets[n];
    if (target < 0) {
      grad.fill(0, row, row + C);
      continue;
    }
    sum += rowMax[n] + Math.log(rowSum[n]) - logits[row + target];
    grad[row + target] -= inverseCount;
  }
  return sum * inverseCount;
}

/** Each row's max and Σ e^{z − max} (float32 path), reused across calls. */
let rowMax = new Float32Array(0);
let rowSum = new Float32Array(0);

/** Binary cross-entropy on logits (F.binary_cross_entropy_with_logits, mean over counted units):
 *  ℓ = max(z, 0) − z·y + log(1 + e^{−|z|});  dℓ/dz = σ(z) − y. */
export function binaryCrossEntropyWithLogits(
  grad: Buf,
  logits: Buf,
  targets: Buf,
  rowMask: Uint8Array | null,
  N: number,
  C: number,
  out: LossValue = { loss: 0, count: 0 },
): LossValue {
  const count = countRows(rowMask, N) * C;
  const inverseCount = count > 0 ? 1 / count : 0;
  let sum = 0;
  for (let n = 0; n < N; n++) {
    const row = n * C;
    if (rowMask && !rowMask[n]) {
      grad.fill(0, row, row + C);
      continue;
    }
    for (let c = row; c < row + C; c++) {
      const z = logits[c];
      const y = targets[c];
      sum += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
      grad[c] = (1 / (1 + Math.exp(-z)) - y) * inverseCount;
    }
  }
  return setLoss(out, sum * inverseCount, count);
}

/** Mean squared error (F.mse_loss, mean over counted units): ℓ = (z − y)²;  dℓ/dz = 2(z − y). */
export function meanSquaredError(
  grad: Buf,
  outputs: Buf,
  targets: Buf,
  rowMask: Uint8Array | null,
  N: number,
  C: number,
  out: LossValue = { loss: 0, count: 0 },
): LossValue {
  const count = countRows(rowMask, N) * C;
  const inverseCount = count > 0 ? 1 / count : 0;
  let sum = 0;
  for (let n = 0; n < N; n++) {
    const row = n * C;
    if (rowMask && !rowMask[n]) {
      grad.fill(0, row, row + C);
      continue;
    }
    for (let c = row; c < row + C; c++) {
      const diff = outputs[c] - targets[c];
      sum += diff * diff;
      grad[c] = 2 * diff * inverseCount;
    }
  }
  return setLoss(out, sum * inverseCount, count);
}

function countRows(rowMask: Uint8Array | null, N: number): number {
  if (!rowMask) return N;
  let count = 0;
  for (let n = 0; n < N; n++) if (rowMask[n]) count++;
  return count;
}

function setLoss(out: LossValue, loss: number, count: number): LossValue {
  out.loss = loss;
  out.count = count;
  return out;
}
