import type { Buf } from "../tensor.js";
import { gemmF32 } from "./gemm-f32.js";
import { gemmF64 } from "./gemm-f64.js";
import {
  gemmWasmF32,
  gemmWasmPackedF32,
  type PackedSlot,
  slotIsCurrent,
  wasmGemmEnabled,
  wasmPackB,
  wasmPackedEnabled,
} from "./gemm-wasm.js";

// Matrix products on row-major buffers. Every form accumulates into `out` (+=), so callers zero
// `out` when they want a plain product and can sum contributions (gradients) without scratch.
// `out` must not overlap `a` or `b`; any of them may be a subarray view.
//
// How they are fast in plain JavaScript (bench/kernels.ts measures them):
// - One kernel per dtype (gemm-f64.ts, gemm-f32.ts), chosen once per call, so every typed-array
//   access inside is monomorphic. All three forms are the same kernel with different strides.
// - Register blocking: a 4×4 tile of the output is summed in 16 local variables over a whole K
//   block, so each loaded value feeds 4 multiply-adds (the naive loops did a load, or a load and a
//   store, per multiply-add).
// - Packing (GotoBLAS-style): blocks of A (MC×KC) and B (KC×NC) are copied into a float64 scratch
//   as 4-wide k-major panels, so the micro-kernel reads two contiguous streams whatever the form
//   (transposed or not) and whatever the row strides (no cache-set conflicts on large powers of
//   two), edges are zero-padded (only the valid part of an edge tile is stored), and float32
//   inputs are widened once rather than at every use.
// - Thin or tiny products (M or N below 4, or little work) skip packing: a direct kernel shares
//   each load across four outputs of a row (matrix-vector products, N = 1 readouts).
// Sums are formed in float64 for both dtypes (as JavaScript arithmetic is), and float32 outputs are
// rounded once per K block of 256.
// - Float32 products that are not thin or tiny run the WebAssembly SIMD kernel (gemm-wasm.ts,
//   about 6× the TypeScript one) where it loads, with float32 sums by default (as PyTorch's BLAS);
//   with float64 sums it adds the same products in the same order as the TypeScript kernels, which
//   are the fallback and the reference.

/** out[M×N] += a[M×K] · b[K×N] */
export function matmul(out: Buf, a: Buf, b: Buf, M: number, K: number, N: number): void {
  gemm("matmul", out, a, b, M, K, N, K, 1, N, 1);
}

/** out[M×N] += a[M×K] · bᵀ, with b stored as [N×K] (PyTorch's weight layout: y = x Wᵀ). */
export function matmulTransB(out: Buf, a: Buf, b: Buf, M: number, K: number, N: number): void {
  gemm("matmulTransB", out, a, b, M, K, N, K, 1, 1, K);
}

/** out[M×N] += aᵀ · b, with a stored as [K×M] and b as [K×N] (weight gradients: dW += dYᵀ X). */
export function matmulTransA(out: Buf, a: Buf, b: Buf, M: number, K: number, N: number): void {
  gemm("matmulTransA", out, a, b, M, K, N, 1, M, N, 1);
}

/** A right operand B [K×N] used by many products while it does not change (a recurrent weight over
 *  the time steps of one pass). load() packs it once into the WebAssembly kernel's memory (float32),
 *  so each matmulPacked copies only its left operand and output; elsewhere (float64, no
 *  WebAssembly) it keeps a reference and matmulPacked is matmul or matmulTransB. The source must not
 *  change between load() and the last matmulPacked. */
export class PackedOperand {
  private source: Buf = new Float64Array(0);
  private transposed = false;
  private slot: PackedSlot | null = null;
  K = 0;
  N = 0;

  /** B = b [K×N], or with `transposed` B = bᵀ where b is stored [N×K] (a PyTorch weight). */
  load(b: Buf, K: number, N: number, transposed: boolean): void {
    if (b.length < K * N)
      throw new RangeError(`PackedOperand: ${K}×${N} needs ${K * N} values, got ${b.length}`);
    this.source = b;
    this.K = K;
    this.N = N;
    this.transposed = transposed;
    if (b instanceof Float32Array && wasmPackedEnabled()) this.pack();
  }

  private pack(): PackedSlot {
    const { K, N } = this;
    const brs = this.transposed ? 1 : N;
    const bcs = this.transposed ? K : 1;
    this.slot = wasmPackB(this.slot, this.source as Float32Array, K, N, brs, bcs);
    return this.slot;
  }

  /** out[M×N] += a[M×K] · B */
  product(out: Buf, a: Buf, M: number): void {
    const { K, N } = this;
    if (out.length < M * N || a.length < M * K) {
      throw new RangeError(`matmulPacked: M=${M} K=${K} N=${N} needs out ≥ ${M * N}, a ≥ ${M * K}`);
    }
    if (
      this.source instanceof Float32Array &&
      out instanceof Float32Array &&
      a instanceof Float32Array &&
      wasmPackedEnabled()
    ) {
      const slot = slotIsCurrent(this.slot) ? this.slot : this.pack();
      gemmWasmPackedF32(out, a, slot, M, K, N, K, 1);
    } else if (this.transposed) {
      matmulTransB(out, a, this.source, M, K, N);
    } else {
      matmul(out, a, this.source, M, K, N);
    }
  }
}

/** out[M×N] += a[M×K] · B, with B loaded into `b`. */
export function matmulPacked(out: Buf, a: Buf, b: PackedOperand, M: number): void {
  b.product(out, a, M);
}

/** float32 products with at least this many multiply-adds (and M, N ≥ 4) run the WebAssembly
 *  SIMD kernel (gemm-wasm.ts) where it is available. */
const WASM_MIN_WORK = 4096;

/** out[M×N] += A·B with A(i, k) = a[i·ars + k·acs], B(k, j) = b[k·brs + j·bcs]. */
function gemm(
  name: string,
  out: Buf,
  a: Buf,
  b: Buf,
  M: number,
  K: number,
  N: number,
  ars: number,
  acs: number,
  brs: number,
  bcs: number,
): void {
  // Every index the kernels touch is in bounds, so V8 never sees an out-of-bounds access (which
  // would deoptimize them and, on reads, turn into NaN).
  if (out.length < M * N || a.length < M * K || b.length < K * N) {
    throw new RangeError(
      `${name}: M=${M} K=${K} N=${N} needs out ≥ ${M * N}, a ≥ ${M * K}, b ≥ ${K * N} values; ` +
        `got ${out.length}, ${a.length}, ${b.length}`,
    );
  }
  if (M <= 0 || N <= 0 || K <= 0) return;
  if (out instanceof Float64Array) {
    if (a instanceof Float64Array && b instanceof Float64Array) {
      gemmF64(out, a, b, M, K, N, ars, acs, brs, bcs);
      return;
    }
  } else if (a instanceof Float32Array && b instanceof Float32Array) {
    // Thin or tiny products stay in TypeScript (the direct kernel): copying in and out would cost
    // more than the WebAssembly kernel saves.
    if (M >= 4 && N >= 4 && M * N * K >= WASM_MIN_WORK && wasmGemmEnabled()) {
      gemmWasmF32(out, a, b, M, K, N, ars, acs, brs, bcs);
    } else {
      gemmF32(out, a, b, M, K, N, ars, acs, brs, bcs);
    }
    return;
  }
  gemmMixed(out, a, b, M, K, N, ars, acs, brs, bcs);
}

/** Operands of different dtypes (no caller does this): plain loops, kept out of the fast paths. */
function gemmMixed(
  out: Buf,
  a: Buf,
  b: Buf,
  M: number,
  K: number,
  N: number,
  ars: number,
  acs: number,
  brs: number,
  bcs: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[i * ars + k * acs] * b[k * brs + j * bcs];
      out[i * N + j] += sum;
    }
  }
}

/** The definition, index by index: the reference every matmul form is tested against. */
export function matmulReference(
  out: Buf,
  a: Buf,
  b: Buf,
  M: number,
  K: number,
  N: number,
  transA: boolean,
  transB: boolean,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const aik = transA ? a[k * M + i] : a[i * K + k];
        const bkj = transB ? b[j * K + k] : b[k * N + j];
        sum += aik * bkj;
      }
      out[i * N + j] += sum;
    }
  }
}
