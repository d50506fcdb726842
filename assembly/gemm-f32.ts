// AssemblyScript source of rnnlab's WebAssembly SIMD float32 matrix kernel (128-bit, f32x4).
// Compiled by tools/build-wasm.mjs into src/kernels/gemm-wasm-module.ts (the bytes as base64);
// src/kernels/gemm-wasm.ts copies the operands into this module's memory and calls gemm.
//
// out[M×N] (row-major, at c) += A·B with A(i, k) = a[i·ars + k·acs], B(k, j) = b[k·brs + j·bcs]
// (element strides; a, b, c are byte addresses in this memory). GotoBLAS-style: blocks of A
// (MC×KC) and B (KC×NC) are packed into `work` as k-major panels, and a micro-kernel sums a tile
// in SIMD registers over a K block, then adds it to out. Two variants:
// - gemm64: sums in float64 like the TypeScript kernels (matmul.ts), so the results
//   meet the same tolerance: panels of 4 rows and 4 columns widened to float64 at packing, a 4×4
//   tile in 8 f64x2 registers (products of float32 values are exact in float64);
// - gemm (the default): sums in float32, twice as fast: panels of 6 rows (4 where that pads
//   less) and 8 columns, a 6×8 tile in 12 f32x4 registers; gemmPacked is gemm with B packed beforehand by packBAll. A fused
//   multiply-add has a latency of about 4 cycles and two issue each cycle, so 8 independent sums
//   (a 4×8 tile) just cover it; 12 leave slack: products with M ≥ 64 run 12–28 % faster, those
//   with M = 16 or 32 (a time step's) about as fast (the two builds timed alternately).

// @ts-nocheck (AssemblyScript, not TypeScript)

const MR: i32 = 6;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 132;
const NC: i32 = 512;

/** Bytes of scratch `work` must have: the packed A and B blocks and one edge tile. */
export function workBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 8;
}

export function heapBase(): usize {
  return __heap_base;
}

export function gemm(
  c: usize,
  a: usize,
  b: usize,
  M: i32,
  K: i32,
  N: i32,
  ars: i32,
  acs: i32,
  brs: i32,
  bcs: i32,
  work: usize,
): void {
  const pb = work + <usize>(MC * KC * 4);
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      packB(pb, b, brs, bcs, k0, kc, j0, nc);
      blockProduct(c, a, ars, acs, pb, M, N, j0, nc, k0, kc, work);
    }
  }
}

/** Bytes packBAll writes for a K×N right operand: its KC×NC blocks, j-block by j-block, each as
 *  panels of NR columns (the last zero-padded). */
export function packedBytes(K: i32, N: i32): i32 {
  return K * (((N + NR - 1) / NR) * NR) * 4;
}

/** Packs the whole of B(k, j) = b[k·brs + j·bcs] (K×N) into p, in the order gemmPacked reads it:
 *  a right operand used by many products (a recurrent weight over the time steps) is packed once. */
export function packBAll(p: usize, b: usize, K: i32, N: i32, brs: i32, bcs: i32): void {
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      packB(p, b, brs, bcs, k0, kc, j0, nc);
      p += <usize>(kc * (((nc + NR - 1) / NR) * NR)) << 2;
    }
  }
}

/** gemm with B already packed by packBAll (at packed). */
export function gemmPacked(c: usize, a: usize, packed: usize, M: i32, K: i32, N: i32, ars: i32, acs: i32, work: usize): void {
  let pb = packed;
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      blockProduct(c, a, ars, acs, pb, M, N, j0, nc, k0, kc, work);
      pb += <usize>(kc * (((nc + NR - 1) / NR) * NR)) << 2;
    }
  }
}

/** out[:, j0..j0+nc) += A[:, k0..k0+kc) · (the packed kc×nc block of B at pb), A packed MC rows
 *  at a time into work. */
function blockProduct(
  c: usize,
  a: usize,
  ars: i32,
  acs: i32,
  pb: usize,
  M: i32,
  N: i32,
  j0: i32,
  nc: i32,
  k0: i32,
  kc: i32,
  work: usize,
): void {
  const pa = work;
  const tmp = work + <usize>((MC * KC + KC * NC) * 4);
  for (let i0 = 0; i0 < M; i0 += MC) {
    const mc = min(MC, M - i0);
    packA(pa, a, ars, acs, i0, mc, k0, kc);
    const c0 = c + (<usize>(i0 * N + j0) << 2);
    for (let jr = 0; jr < nc; jr += NR) {
      const cols = nc - jr;
      const pbj = pb + (<usize>(jr * kc) << 2);
      for (let ir = 0; ir < mc; ) {
        const height = panelHeight(mc - ir);
        const pai = pa + (<usize>(ir * kc) << 2);
        const ci = c0 + (<usize>(ir * N + jr) << 2);
        if (height == MR) micro(pai, pbj, kc, ci, N, mc - ir, cols, tmp);
        else micro4(pai, pbj, kc, ci, N, mc - ir, cols, tmp);
        ir += height;
      }
    }
  }
}

/** Rows in the A panel that starts with `left` rows still to pack: 6 (the full tile), or 4 where
 *  a 6-row tile would compute more padding than the 4-row one (M = 16 is 6 + 6 + 4, M = 32 is
 *  6·4 + 4 + 4: no padded row). A panel starting at row ir sits at ir·kc in the packed block. */
// @ts-ignore: decorator
@inline
function panelHeight(left: i32): i32 {
  return left <= 4 || left == 7 || left == 8 ? 4 : MR;
}

function packA(p: usize, a: usize, ars: i32, acs: i32, i0: i32, mc: i32, k0: i32, kc: i32): void {
  const rs = <usize>ars << 2;
  const cs = <usize>acs << 2;
  for (let ir = 0; ir < mc; ) {
    const height = panelHeight(mc - ir);
    const rows = mc - ir;
    let src = a + (<usize>((i0 + ir) * ars + k0 * acs) << 2);
    const step = <usize>height << 2;
    if (rows >= height && ars == 1) {
      // the panel's rows are adjacent: a vector (and a pair) per k
      for (let k = 0; k < kc; k++) {
        v128.store(p, v128.load(src));
        if (height == MR) store<u64>(p, load<u64>(src, 16), 16);
        p += step;
        src += cs;
      }
    } else if (rows >= height && acs == 1) {
      // each row contiguous in k (a row-major left operand, as a time step's h): four k at a time,
      // rows loaded as vectors and transposed in registers
      const kc4 = kc & ~3;
      for (let k = 0; k < kc4; k += 4) {
        packFour(p, src, rs, height);
        p += step << 2;
        src += 16;
      }
      for (let k = kc4; k < kc; k++) {
        for (let r = 0; r < height; r++) store<f32>(p + (<usize>r << 2), load<f32>(src + <usize>r * rs));
        p += step;
        src += 4;
      }
    } else if (rows >= height) {
      for (let k = 0; k < kc; k++) {
        store<f32>(p, load<f32>(src));
        store<f32>(p, load<f32>(src + rs), 4);
        store<f32>(p, load<f32>(src + 2 * rs), 8);
        store<f32>(p, load<f32>(src + 3 * rs), 12);
        if (height == MR) {
          store<f32>(p, load<f32>(src + 4 * rs), 16);
          store<f32>(p, load<f32>(src + 5 * rs), 20);
        }
        p += step;
        src += cs;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < height; r++) {
          store<f32>(p + (<usize>r << 2), r < rows ? load<f32>(src + <usize>r * rs) : 0);
        }
        p += step;
        src += cs;
      }
    }
    ir += height;
  }
}

/** Packs k..k+3 of `height` (4 or 6) rows at src (row stride rs bytes, contiguous in k) into p as
 *  four k-major slices of `height` values: a 4×4 transpose of rows 0–3, rows 4–5 interleaved. */
// @ts-ignore: decorator
@inline
function packFour(p: usize, src: usize, rs: usize, height: i32): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + rs);
  const r2 = v128.load(src + 2 * rs);
  const r3 = v128.load(src + 3 * rs);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  if (height == MR) {
    const r4 = v128.load(src + 4 * rs);
    const r5 = v128.load(src + 5 * rs);
    const u = i32x4.shuffle(r4, r5, 0, 4, 1, 5);
    const w = i32x4.shuffle(r4, r5, 2, 6, 3, 7);
    v128.store(p, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
    store<i64>(p, i64x2.extract_lane(u, 0), 16);
    v128.store(p, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 24);
    store<i64>(p, i64x2.extract_lane(u, 1), 40);
    v128.store(p, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 48);
    store<i64>(p, i64x2.extract_lane(w, 0), 64);
    v128.store(p, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 72);
    store<i64>(p, i64x2.extract_lane(w, 1), 88);
  } else {
    v128.store(p, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
    v128.store(p, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
    v128.store(p, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
    v128.store(p, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
  }
}

function packB(p: usize, b: usize, brs: i32, bcs: i32, k0: i32, kc: i32, j0: i32, nc: i32): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = nc - jr;
    let src = b + (<usize>(k0 * brs + (j0 + jr) * bcs) << 2);
    const rs = <usize>brs << 2;
    const cs = <usize>bcs << 2;
    if (cols >= NR && bcs == 1) {
      for (let k = 0; k < kc; k++) {
        v128.store(p, v128.load(src));
        v128.store(p, v128.load(src, 16), 16);
        p += 32;
        src += rs;
      }
    } else if (cols >= NR) {
      for (let k = 0; k < kc; k++) {
        for (let c = 0; c < NR; c++) store<f32>(p + (<usize>c << 2), load<f32>(src + <usize>c * cs));
        p += 32;
        src += rs;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let c = 0; c < NR; c++) {
          store<f32>(p + (<usize>c << 2), c < cols ? load<f32>(src + <usize>c * cs) : 0);
        }
        p += 32;
        src += rs;
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function addRow(c: usize, x0: v128, x1: v128): void {
  v128.store(c, f32x4.add(v128.load(c), x0));
  v128.store(c, f32x4.add(v128.load(c, 16), x1), 16);
}

// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  // The relaxed-SIMD build fuses the multiply-add where the CPU can (one rounding, not two).
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

function micro(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, tmp: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0);
  let c51 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(pa, 4);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(pa, 8);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(pa, 12);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    x = v128.load32_splat(pa, 16);
    c40 = madd(x, b0, c40);
    c41 = madd(x, b1, c41);
    x = v128.load32_splat(pa, 20);
    c50 = madd(x, b0, c50);
    c51 = madd(x, b1, c51);
    pa += 24;
    pb += 32;
  }
  const ld = <usize>ldc << 2;
  if (rows >= MR && cols >= NR) {
    addRow(c, c00, c01);
    addRow(c + ld, c10, c11);
    addRow(c + 2 * ld, c20, c21);
    addRow(c + 3 * ld, c30, c31);
    addRow(c + 4 * ld, c40, c41);
    addRow(c + 5 * ld, c50, c51);
  } else {
    // Edge tile: the padding rows and columns were computed but are not stored.
    v128.store(tmp, c00);
    v128.store(tmp, c01, 16);
    v128.store(tmp, c10, 32);
    v128.store(tmp, c11, 48);
    v128.store(tmp, c20, 64);
    v128.store(tmp, c21, 80);
    v128.store(tmp, c30, 96);
    v128.store(tmp, c31, 112);
    v128.store(tmp, c40, 128);
    v128.store(tmp, c41, 144);
    v128.store(tmp, c50, 160);
    v128.store(tmp, c51, 176);
    storeEdge(c, ld, tmp, min(rows, MR), min(cols, NR));
  }
}

/** micro for a 4-row panel (a 4×8 tile in 8 registers). */
function micro4(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, tmp: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(pa, 4);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(pa, 8);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(pa, 12);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    pa += 16;
    pb += 32;
  }
  const ld = <usize>ldc << 2;
  if (rows >= 4 && cols >= NR) {
    addRow(c, c00, c01);
    addRow(c + ld, c10, c11);
    addRow(c + 2 * ld, c20, c21);
    addRow(c + 3 * ld, c30, c31);
  } else {
    v128.store(tmp, c00);
    v128.store(tmp, c01, 16);
    v128.store(tmp, c10, 32);
    v128.store(tmp, c11, 48);
    v128.store(tmp, c20, 64);
    v128.store(tmp, c21, 80);
    v128.store(tmp, c30, 96);
    v128.store(tmp, c31, 112);
    storeEdge(c, ld, tmp, min(rows, 4), min(cols, NR));
  }
}

/** out rows 0..r−1, columns 0..n−1 (row stride ld bytes) += the tile stored at tmp (rows of NR). */
function storeEdge(c: usize, ld: usize, tmp: usize, r: i32, n: i32): void {
  for (let i = 0; i < r; i++) {
    const crow = c + <usize>i * ld;
    const trow = tmp + (<usize>(i * NR) << 2);
    for (let j = 0; j < n; j++) {
      const q = crow + (<usize>j << 2);
      store<f32>(q, load<f32>(q) + load<f32>(trow + (<usize>j << 2)));
    }
  }
}

// ---- float64 sums ----

const MR64: i32 = 4;
const NR64: i32 = 4;
const MC64: i32 = 64;
const NC64: i32 = 256;

export function gemm64(
  c: usize,
  a: usize,
  b: usize,
  M: i32,
  K: i32,
  N: i32,
  ars: i32,
  acs: i32,
  brs: i32,
  bcs: i32,
  work: usize,
): void {
  const pa = work;
  const pb = work + <usize>(MC64 * KC * 8);
  const tmp = pb + <usize>(KC * NC64 * 8);
  for (let j0 = 0; j0 < N; j0 += NC64) {
    const nc = min(NC64, N - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      pack64(pb, b, bcs, brs, j0, nc, k0, kc);
      for (let i0 = 0; i0 < M; i0 += MC64) {
        const mc = min(MC64, M - i0);
        pack64(pa, a, ars, acs, i0, mc, k0, kc);
        const c0 = c + (<usize>(i0 * N + j0) << 2);
        for (let jr = 0; jr < nc; jr += NR64) {
          const cols = nc - jr;
          const pbj = pb + (<usize>(jr * kc) << 3);
          for (let ir = 0; ir < mc; ir += MR64) {
            micro64(pa + (<usize>(ir * kc) << 3), pbj, kc, c0 + (<usize>(ir * N + jr) << 2), N, mc - ir, cols, tmp);
          }
        }
      }
    }
  }
}

/** Rows [i0, i0+m) × columns [k0, k0+kc) of X(i, k) = x[i·rs + k·cs] (float32) into p as panels
 *  of 4 rows, each k-major (p[panel + 4k + r], float64), the last panel zero-padded. Packs A
 *  (rs, cs = ars, acs) and, with the roles swapped, B (bcs, brs). */
function pack64(p: usize, x: usize, xrs: i32, xcs: i32, i0: i32, m: i32, k0: i32, kc: i32): void {
  const rs = <usize>xrs << 2;
  const cs = <usize>xcs << 2;
  for (let ir = 0; ir < m; ir += 4) {
    const rows = m - ir;
    let src = x + (<usize>((i0 + ir) * xrs + k0 * xcs) << 2);
    if (rows >= 4 && xrs == 1) {
      // the 4 rows are adjacent: one float32 vector per k, widened
      for (let k = 0; k < kc; k++) {
        const v = v128.load(src);
        v128.store(p, f64x2.promote_low_f32x4(v));
        v128.store(p, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), 16);
        p += 32;
        src += cs;
      }
    } else if (rows >= 4) {
      for (let k = 0; k < kc; k++) {
        store<f64>(p, <f64>load<f32>(src));
        store<f64>(p, <f64>load<f32>(src + rs), 8);
        store<f64>(p, <f64>load<f32>(src + 2 * rs), 16);
        store<f64>(p, <f64>load<f32>(src + 3 * rs), 24);
        p += 32;
        src += cs;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < 4; r++) {
          store<f64>(p + (<usize>r << 3), r < rows ? <f64>load<f32>(src + <usize>r * rs) : 0);
        }
        p += 32;
        src += cs;
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function addRow64(c: usize, x0: v128, x1: v128): void {
  // out (float32) + the float64 sums, rounded once
  const o = v128.load(c);
  const lo = f64x2.add(f64x2.promote_low_f32x4(o), x0);
  const hi = f64x2.add(f64x2.promote_low_f32x4(i32x4.shuffle(o, o, 2, 3, 0, 1)), x1);
  const d = f32x4.demote_f64x2_zero(lo);
  const e = f32x4.demote_f64x2_zero(hi);
  v128.store(c, i32x4.shuffle(d, e, 0, 1, 4, 5));
}

function micro64(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, tmp: usize): void {
  let c00 = f64x2.splat(0);
  let c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0);
  let c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0);
  let c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0);
  let c31 = f64x2.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let x = v128.load64_splat(pa);
    c00 = f64x2.add(c00, f64x2.mul(x, b0));
    c01 = f64x2.add(c01, f64x2.mul(x, b1));
    x = v128.load64_splat(pa, 8);
    c10 = f64x2.add(c10, f64x2.mul(x, b0));
    c11 = f64x2.add(c11, f64x2.mul(x, b1));
    x = v128.load64_splat(pa, 16);
    c20 = f64x2.add(c20, f64x2.mul(x, b0));
    c21 = f64x2.add(c21, f64x2.mul(x, b1));
    x = v128.load64_splat(pa, 24);
    c30 = f64x2.add(c30, f64x2.mul(x, b0));
    c31 = f64x2.add(c31, f64x2.mul(x, b1));
    pa += 32;
    pb += 32;
  }
  const ld = <usize>ldc << 2;
  if (rows >= 4 && cols >= 4) {
    addRow64(c, c00, c01);
    addRow64(c + ld, c10, c11);
    addRow64(c + 2 * ld, c20, c21);
    addRow64(c + 3 * ld, c30, c31);
  } else {
    v128.store(tmp, c00);
    v128.store(tmp, c01, 16);
    v128.store(tmp, c10, 32);
    v128.store(tmp, c11, 48);
    v128.store(tmp, c20, 64);
    v128.store(tmp, c21, 80);
    v128.store(tmp, c30, 96);
    v128.store(tmp, c31, 112);
    const r = min(rows, 4);
    const n = min(cols, 4);
    for (let i = 0; i < r; i++) {
      const crow = c + <usize>i * ld;
      const trow = tmp + (<usize>(i * 4) << 3);
      for (let j = 0; j < n; j++) {
        const q = crow + (<usize>j << 2);
        store<f32>(q, <f32>(<f64>load<f32>(q) + load<f64>(trow + (<usize>j << 3))));
      }
    }
  }
}
