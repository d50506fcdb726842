import { DIRECT_MAX_WORK, KC, MC, NC, PACKED_MIN_FILL, packScratch, type Scratch } from "./gemm-blocking.js";

// The float64 matrix kernel, and (as gemm-f32.ts) its float32 twin: the same code with the array
// type and the F64/F32 suffix swapped, which test/kernels-matmul.test.ts checks. A separate copy
// per dtype keeps every typed-array access site monomorphic, so V8 compiles it to a plain load or
// store; one shared function would see both array types and go polymorphic. The packed panels are
// float64 in both (see gemm-blocking.ts).
//
// gemmF64 computes out[M×N] += A·B for row-major out, with A(i, k) = a[i·ars + k·acs] and
// B(k, j) = b[k·brs + j·bcs], which covers a·b, aᵀ·b and a·bᵀ. See matmul.ts for the design.

export function gemmF64(
  out: Float64Array,
  a: Float64Array,
  b: Float64Array,
  M: number,
  K: number,
  N: number,
  ars: number,
  acs: number,
  brs: number,
  bcs: number,
): void {
  if (
    M < 4 ||
    N < 4 ||
    M * N * K < DIRECT_MAX_WORK ||
    M * N < PACKED_MIN_FILL * roundUp(M, 4) * roundUp(N, 4)
  ) {
    // Thin or tiny: no packing. The direct kernel tiles the longer output dimension, so give it
    // outᵀ = Bᵀ·Aᵀ when M is the longer one.
    if (N >= M) directF64(out, a, b, M, K, N, ars, acs, brs, bcs, N, 1);
    else directF64(out, b, a, N, K, M, bcs, brs, acs, ars, 1, N);
    return;
  }
  const kcMax = Math.min(K, KC);
  const mcMax = roundUp(Math.min(M, MC), 4);
  const ncMax = roundUp(Math.min(N, NC), 4);
  const bOffset = mcMax * kcMax;
  const w = packScratch(bOffset + kcMax * ncMax);
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      packBF64(w, bOffset, b, brs, bcs, k0, kc, j0, nc);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = Math.min(MC, M - i0);
        packAF64(w, a, ars, acs, i0, mc, k0, kc);
        macroF64(out, w, mc, nc, kc, bOffset, i0 * N + j0, N);
      }
    }
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/** A rows [i0, i0+mc) × columns [k0, k0+kc) into w[0..): panels of 4 rows, each k-major
 *  (w[panel + 4k + r] = A(i0 + ir + r, k0 + k)), the last panel zero-padded to 4 rows. */
function packAF64(
  w: Scratch,
  a: Float64Array,
  ars: number,
  acs: number,
  i0: number,
  mc: number,
  k0: number,
  kc: number,
): void {
  const ars2 = 2 * ars;
  const ars3 = 3 * ars;
  let p = 0;
  for (let ir = 0; ir < mc; ir += 4) {
    const rows = mc - ir;
    let src = (i0 + ir) * ars + k0 * acs;
    if (rows >= 4) {
      for (let k = 0; k < kc; k++) {
        w[p] = a[src];
        w[p + 1] = a[src + ars];
        w[p + 2] = a[src + ars2];
        w[p + 3] = a[src + ars3];
        p += 4;
        src += acs;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < 4; r++) w[p + r] = r < rows ? a[src + r * ars] : 0;
        p += 4;
        src += acs;
      }
    }
  }
}

/** B rows [k0, k0+kc) × columns [j0, j0+nc) into w[offset..): panels of 4 columns, each k-major
 *  (w[panel + 4k + c] = B(k0 + k, j0 + jr + c)), the last panel zero-padded to 4 columns. */
function packBF64(
  w: Scratch,
  offset: number,
  b: Float64Array,
  brs: number,
  bcs: number,
  k0: number,
  kc: number,
  j0: number,
  nc: number,
): void {
  const bcs2 = 2 * bcs;
  const bcs3 = 3 * bcs;
  let p = offset;
  for (let jr = 0; jr < nc; jr += 4) {
    const cols = nc - jr;
    let src = k0 * brs + (j0 + jr) * bcs;
    if (cols >= 4) {
      for (let k = 0; k < kc; k++) {
        w[p] = b[src];
        w[p + 1] = b[src + bcs];
        w[p + 2] = b[src + bcs2];
        w[p + 3] = b[src + bcs3];
        p += 4;
        src += brs;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let c = 0; c < 4; c++) w[p + c] = c < cols ? b[src + c * bcs] : 0;
        p += 4;
        src += brs;
      }
    }
  }
}

/** out[o0 + i·N + j] += Σ_k Apacked(i, k)·Bpacked(k, j) for i < mc, j < nc, one 4×4 tile at a
 *  time. */
function macroF64(
  out: Float64Array,
  w: Scratch,
  mc: number,
  nc: number,
  kc: number,
  bOffset: number,
  o0: number,
  N: number,
): void {
  for (let jr = 0; jr < nc; jr += 4) {
    const cols = nc - jr;
    const pb = bOffset + jr * kc;
    for (let ir = 0; ir < mc; ir += 4) {
      tileF64(out, w, ir * kc, pb, kc, o0 + ir * N + jr, N, mc - ir, cols);
    }
  }
}

/** One 4×4 tile: its sums held in 16 locals over the K block, then added to out. The tile size is
 *  written out as literals: V8 (TurboFan in Node 20) does not fold imported constants, and the
 *  extra loads cost this loop a quarter of its speed. As a function of its own rather than the
 *  body of macroF64's loop it is about 5% faster (register allocation). */
function tileF64(
  out: Float64Array,
  w: Scratch,
  pa: number,
  pb: number,
  kc: number,
  o: number,
  N: number,
  rows: number,
  cols: number,
): void {
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c03 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  let c13 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let c23 = 0;
  let c30 = 0;
  let c31 = 0;
  let c32 = 0;
  let c33 = 0;
  for (let k = 0; k < kc; k++) {
    const a0 = w[pa];
    const a1 = w[pa + 1];
    const a2 = w[pa + 2];
    const a3 = w[pa + 3];
    const b0 = w[pb];
    const b1 = w[pb + 1];
    const b2 = w[pb + 2];
    const b3 = w[pb + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    pa += 4;
    pb += 4;
  }
  if (rows >= 4 && cols >= 4) {
    out[o] += c00;
    out[o + 1] += c01;
    out[o + 2] += c02;
    out[o + 3] += c03;
    o += N;
    out[o] += c10;
    out[o + 1] += c11;
    out[o + 2] += c12;
    out[o + 3] += c13;
    o += N;
    out[o] += c20;
    out[o + 1] += c21;
    out[o + 2] += c22;
    out[o + 3] += c23;
    o += N;
    out[o] += c30;
    out[o + 1] += c31;
    out[o + 2] += c32;
    out[o + 3] += c33;
  } else {
    // Edge tile: the padding rows and columns were computed but are not stored.
    storeRowF64(out, o, cols, c00, c01, c02, c03);
    if (rows > 1) storeRowF64(out, o + N, cols, c10, c11, c12, c13);
    if (rows > 2) storeRowF64(out, o + 2 * N, cols, c20, c21, c22, c23);
    if (rows > 3) storeRowF64(out, o + 3 * N, cols, c30, c31, c32, c33);
  }
}

function storeRowF64(
  out: Float64Array,
  o: number,
  cols: number,
  x0: number,
  x1: number,
  x2: number,
  x3: number,
): void {
  out[o] += x0;
  if (cols > 1) out[o + 1] += x1;
  if (cols > 2) out[o + 2] += x2;
  if (cols > 3) out[o + 3] += x3;
}

/** Unpacked kernel for thin and tiny products, with strided output
 *  out(i, j) = out[i·ors + j·ocs]: four outputs of a row at a time share each load of A. */
function directF64(
  out: Float64Array,
  a: Float64Array,
  b: Float64Array,
  M: number,
  K: number,
  N: number,
  ars: number,
  acs: number,
  brs: number,
  bcs: number,
  ors: number,
  ocs: number,
): void {
  const N4 = N - (N % 4);
  const bcs2 = 2 * bcs;
  const bcs3 = 3 * bcs;
  const ocs2 = 2 * ocs;
  const ocs3 = 3 * ocs;
  for (let i = 0; i < M; i++) {
    const aRow = i * ars;
    const oRow = i * ors;
    let j = 0;
    for (; j < N4; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let pa = aRow;
      let pb = j * bcs;
      for (let k = 0; k < K; k++) {
        const x = a[pa];
        s0 += x * b[pb];
        s1 += x * b[pb + bcs];
        s2 += x * b[pb + bcs2];
        s3 += x * b[pb + bcs3];
        pa += acs;
        pb += brs;
      }
      const o = oRow + j * ocs;
      out[o] += s0;
      out[o + ocs] += s1;
      out[o + ocs2] += s2;
      out[o + ocs3] += s3;
    }
    for (; j < N; j++) {
      let s = 0;
      let pa = aRow;
      let pb = j * bcs;
      for (let k = 0; k < K; k++) {
        s += a[pa] * b[pb];
        pa += acs;
        pb += brs;
      }
      out[oRow + j * ocs] += s;
    }
  }
}
