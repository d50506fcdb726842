import type { Rng } from "../random.js";
import type { Buf } from "../tensor.js";

// Fillers for one block of a weight matrix: rows × cols values, row-major, at `offset` in `values`.
// A gate block of W_ih [G·H×I] is H rows of I; each filler draws its values in row-major order.

export interface Block {
  values: Buf;
  offset: number;
  rows: number;
  cols: number;
}

/** torch.nn.init.orthogonal_: A ~ N(0, 1) [rows×cols]; the QR factorization of A (of Aᵀ when
 *  rows < cols) with R's diagonal made positive (Q·sign(diag R)); the block is gain·Q (gain·Qᵀ).
 *  The Q with positive diag R is what Gram-Schmidt gives: the min(rows, cols) vectors (columns of
 *  A, or rows when rows < cols), each made orthogonal to those before it and normalized. Each
 *  projection is done twice ("twice is enough", Giraud et al. 2005), so QᵀQ = I to rounding. */
export function fillOrthogonal(block: Block, rng: Rng, gain: number): void {
  const { rows, cols } = block;
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  // Vector j, entry e, is at a[j·vStride + e·eStride].
  const byColumns = rows >= cols;
  const count = byColumns ? cols : rows;
  const length = byColumns ? rows : cols;
  const vStride = byColumns ? 1 : cols;
  const eStride = byColumns ? cols : 1;
  for (let j = 0; j < count; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let e = 0; e < length; e++) dot += a[i * vStride + e * eStride] * a[j * vStride + e * eStride];
        for (let e = 0; e < length; e++) a[j * vStride + e * eStride] -= dot * a[i * vStride + e * eStride];
      }
    }
    let norm = 0;
    for (let e = 0; e < length; e++) norm += a[j * vStride + e * eStride] ** 2;
    const scale = 1 / Math.sqrt(norm);
    for (let e = 0; e < length; e++) a[j * vStride + e * eStride] *= scale;
  }
  for (let i = 0; i < a.length; i++) block.values[block.offset + i] = gain * a[i];
}

/** Glorot & Bengio (2010) with the block's fan_in = cols and fan_out = rows: uniform
 *  U(−a, a), a = gain·√(6 / (fan_in + fan_out)), or normal N(0, σ²), σ = gain·√(2 / (fan_in + fan_out)),
 *  both of variance gain²·2 / (fan_in + fan_out). */
export function fillXavier(block: Block, rng: Rng, gain: number, kind: "uniform" | "normal"): void {
  const { values, offset, rows, cols } = block;
  const fans = rows + cols;
  const end = offset + rows * cols;
  if (kind === "uniform") {
    const bound = gain * Math.sqrt(6 / fans);
    for (let i = offset; i < end; i++) values[i] = rng.uniformIn(-bound, bound);
  } else {
    const std = gain * Math.sqrt(2 / fans);
    for (let i = offset; i < end; i++) values[i] = std * rng.normal();
  }
}

/** gain·I (a square block); no draws. */
export function fillIdentity(block: Block, gain: number): void {
  const { values, offset, rows, cols } = block;
  values.fill(0, offset, offset + rows * cols);
  for (let i = 0; i < Math.min(rows, cols); i++) values[offset + i * cols + i] = gain;
}

/** N(0, std²). */
export function fillNormal(block: Block, rng: Rng, std: number): void {
  const end = block.offset + block.rows * block.cols;
  for (let i = block.offset; i < end; i++) block.values[i] = std * rng.normal();
}
