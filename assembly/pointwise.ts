// AssemblyScript source of rnnlab's WebAssembly SIMD pointwise kernels (f32x4): the forward steps
// of the cells, whose cost is their exponentials. Compiled with assembly/gemm-f32.ts into one
// module (tools/build-wasm.mjs); src/kernels/pointwise-wasm.ts copies a step's buffers in and out.
//
// exp is Cephes' expf (range reduction by ln 2 split in two parts, a degree-5 polynomial on
// [−ln2/2, ln2/2], 2^n from the exponent bits), within 1 float32 ulp on [−87, 88]; below, 0 (the
// true value is a denormal, under 2⁻¹²⁶), above, about 2.4e38 (σ and tanh stay exact there).
// tanh is x + x³·P(x²) (Cephes' tanhf) for |x| < 0.625, where 1 − 2/(e^{2x} + 1) would cancel,
// and 1 − 2/(e^{2x} + 1) elsewhere.

// @ts-nocheck (AssemblyScript, not TypeScript)

// Every constant splatted to 16 bytes in a static table, read with v128.load: inside a loop V8
// rebuilds a v128.const with several instructions at each use, where a load is one.
const LOW: usize = 0;
const HIGH: usize = 16;
const MAGIC: usize = 32;
const LOG2E: usize = 48;
const LN2_HI: usize = 64;
const LN2_LO: usize = 80;
const E5: usize = 96;
const E4: usize = 112;
const E3: usize = 128;
const E2: usize = 144;
const E1: usize = 160;
const E0: usize = 176;
const ONE: usize = 192;
const TWO: usize = 208;
const T4: usize = 224;
const T3: usize = 240;
const T2: usize = 256;
const T1: usize = 272;
const T0: usize = 288;
const SMALL: usize = 304;
const K: usize = memory.data<f32>([
  -87.3, -87.3, -87.3, -87.3,
  88.3, 88.3, 88.3, 88.3,
  12582912.0, 12582912.0, 12582912.0, 12582912.0,
  1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634,
  0.693359375, 0.693359375, 0.693359375, 0.693359375,
  0.00021219444, 0.00021219444, 0.00021219444, 0.00021219444,
  0.000198756915, 0.000198756915, 0.000198756915, 0.000198756915,
  0.0013981999507, 0.0013981999507, 0.0013981999507, 0.0013981999507,
  0.0083334519073, 0.0083334519073, 0.0083334519073, 0.0083334519073,
  0.041665795894, 0.041665795894, 0.041665795894, 0.041665795894,
  0.16666665459, 0.16666665459, 0.16666665459, 0.16666665459,
  0.50000001201, 0.50000001201, 0.50000001201, 0.50000001201,
  1.0, 1.0, 1.0, 1.0,
  2.0, 2.0, 2.0, 2.0,
  -0.00570498872745, -0.00570498872745, -0.00570498872745, -0.00570498872745,
  0.0206390887954, 0.0206390887954, 0.0206390887954, 0.0206390887954,
  -0.0537397155531, -0.0537397155531, -0.0537397155531, -0.0537397155531,
  0.133314422036, 0.133314422036, 0.133314422036, 0.133314422036,
  -0.333332819422, -0.333332819422, -0.333332819422, -0.333332819422,
  0.625, 0.625, 0.625, 0.625,
], 16);
const BIAS: usize = memory.data<i32>([127, 127, 127, 127], 16);

// @ts-ignore: decorator
@inline
function k(offset: usize): v128 {
  return v128.load(K + offset);
}

// @ts-ignore: decorator
@inline
function expv(x: v128): v128 {
  const underflow = f32x4.lt(x, k(LOW));
  // pmin/pmax are one instruction each (min/max take several in V8, for NaN and ±0); with x as
  // the first operand a NaN passes through
  x = f32x4.pmin(f32x4.pmax(x, k(LOW)), k(HIGH));
  // n = round(x / ln 2) by the 1.5·2²³ trick: t's low mantissa bits then hold n + 2²²
  const t = f32x4.add(f32x4.mul(x, k(LOG2E)), k(MAGIC));
  const n = f32x4.sub(t, k(MAGIC));
  let r = f32x4.sub(x, f32x4.mul(n, k(LN2_HI)));
  r = f32x4.add(r, f32x4.mul(n, k(LN2_LO)));
  let p = k(E5);
  p = f32x4.add(f32x4.mul(p, r), k(E4));
  p = f32x4.add(f32x4.mul(p, r), k(E3));
  p = f32x4.add(f32x4.mul(p, r), k(E2));
  p = f32x4.add(f32x4.mul(p, r), k(E1));
  p = f32x4.add(f32x4.mul(p, r), k(E0));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), k(ONE));
  // 2^n: n + 127 in the exponent field (n is in [−126, 127] after the clamp); shifting t's bits
  // (0x4B400000 + n) + 127 left by 23 drops everything but n + 127
  const scale = i32x4.shl(i32x4.add(t, v128.load(BIAS)), 23);
  // below −87.3, 0 (the true value is under 2⁻¹²⁶, a denormal); NaN fails the test and stays NaN
  return v128.andnot(f32x4.mul(p, scale), underflow);
}

// @ts-ignore: decorator
@inline
function sigmoidv(x: v128): v128 {
  return f32x4.div(k(ONE), f32x4.add(k(ONE), expv(f32x4.neg(x))));
}

// @ts-ignore: decorator
@inline
function tanhv(x: v128): v128 {
  const large = f32x4.sub(k(ONE), f32x4.div(k(TWO), f32x4.add(expv(f32x4.add(x, x)), k(ONE))));
  const z = f32x4.mul(x, x);
  let p = k(T4);
  p = f32x4.add(f32x4.mul(p, z), k(T3));
  p = f32x4.add(f32x4.mul(p, z), k(T2));
  p = f32x4.add(f32x4.mul(p, z), k(T1));
  p = f32x4.add(f32x4.mul(p, z), k(T0));
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(p, z), x));
  return v128.bitselect(small, large, f32x4.lt(f32x4.abs(x), k(SMALL)));
}

/** exp, σ and tanh of n float32 values at x into y (n a multiple of 4): for tests. which: 0 exp,
 *  1 σ, 2 tanh. */
export function pointwise(which: i32, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(y + o, which == 0 ? expv(v) : which == 1 ? sigmoidv(v) : tanhv(v));
  }
}

/** LSTM forward step for B rows of H units (H a multiple of 4), as src/cells/lstm.ts:
 *  a = inputPart + hiddenPart [B×4H]; i, f, o = σ(a_i, a_f, a_o), g = tanh(a_g);
 *  c = f ⊙ cPrev + i ⊙ g; h = o ⊙ tanh(c); cache [B×5H] = i, f, g, o, tanh(c). */
export function lstmForward(ip: usize, hp: usize, cPrev: usize, c: usize, h: usize, cache: usize, B: i32, H: i32): void {
  const hb = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gates = <usize>(b * 4 * H) << 2;
    const row = <usize>(b * H) << 2;
    const cached = <usize>(b * 5 * H) << 2;
    for (let j = 0; j < H; j += 4) {
      const q = <usize>j << 2;
      const gi = gates + q;
      const i = sigmoidv(f32x4.add(v128.load(ip + gi), v128.load(hp + gi)));
      const f = sigmoidv(f32x4.add(v128.load(ip + gi + hb), v128.load(hp + gi + hb)));
      const g = tanhv(f32x4.add(v128.load(ip + gi + 2 * hb), v128.load(hp + gi + 2 * hb)));
      const o = sigmoidv(f32x4.add(v128.load(ip + gi + 3 * hb), v128.load(hp + gi + 3 * hb)));
      const cNew = f32x4.add(f32x4.mul(f, v128.load(cPrev + row + q)), f32x4.mul(i, g));
      const tanhC = tanhv(cNew);
      v128.store(c + row + q, cNew);
      v128.store(h + row + q, f32x4.mul(o, tanhC));
      const k = cache + cached + q;
      v128.store(k, i);
      v128.store(k + hb, f);
      v128.store(k + 2 * hb, g);
      v128.store(k + 3 * hb, o);
      v128.store(k + 4 * hb, tanhC);
    }
  }
}

/** GRU forward step for B rows of H units (H a multiple of 4), as src/cells/gru.ts (PyTorch's
 *  nn.GRU; gi = inputPart, gh = hiddenPart [B×3H], blocks r, z, n):
 *  r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h = (1 − z) ⊙ n + z ⊙ hPrev;
 *  cache [B×4H] = r, z, n, gh_n. */
export function gruForward(ip: usize, hp: usize, hPrev: usize, h: usize, cache: usize, B: i32, H: i32): void {
  const hb = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gates = <usize>(b * 3 * H) << 2;
    const row = <usize>(b * H) << 2;
    const cached = <usize>(b * 4 * H) << 2;
    for (let j = 0; j < H; j += 4) {
      const q = <usize>j << 2;
      const g = gates + q;
      const r = sigmoidv(f32x4.add(v128.load(ip + g), v128.load(hp + g)));
      const z = sigmoidv(f32x4.add(v128.load(ip + g + hb), v128.load(hp + g + hb)));
      const ghN = v128.load(hp + g + 2 * hb);
      const n = tanhv(f32x4.add(v128.load(ip + g + 2 * hb), f32x4.mul(r, ghN)));
      const hNew = f32x4.add(f32x4.mul(f32x4.sub(k(ONE), z), n), f32x4.mul(z, v128.load(hPrev + row + q)));
      v128.store(h + row + q, hNew);
      const at = cache + cached + q;
      v128.store(at, r);
      v128.store(at + hb, z);
      v128.store(at + 2 * hb, n);
      v128.store(at + 3 * hb, ghN);
    }
  }
}

/** GRU backward step for B rows of H units (H a multiple of 4), as src/cells/gru.ts, from the
 *  cache [B×4H] (r, z, n, gh_n) and dh = hGrad [B×H]:
 *  dn_a = dh ⊙ (1 − z) ⊙ (1 − n²), dz_a = dh ⊙ (hPrev − n) ⊙ z(1 − z), dr_a = dn_a ⊙ gh_n ⊙ r(1 − r);
 *  hPrevGrad += dh ⊙ z; inputPartGrad [B×3H] = dr_a, dz_a, dn_a; hiddenPartGrad [B×3H] = dr_a,
 *  dz_a, dn_a ⊙ r (gh_n enters the cell scaled by r). */
export function gruBackward(
  cache: usize,
  hGrad: usize,
  hPrev: usize,
  hPrevGrad: usize,
  inputPartGrad: usize,
  hiddenPartGrad: usize,
  B: i32,
  H: i32,
): void {
  const hb = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gates = <usize>(b * 3 * H) << 2;
    const row = <usize>(b * H) << 2;
    const cached = <usize>(b * 4 * H) << 2;
    for (let j = 0; j < H; j += 4) {
      const q = <usize>j << 2;
      const at = cache + cached + q;
      const r = v128.load(at);
      const z = v128.load(at + hb);
      const n = v128.load(at + 2 * hb);
      const ghN = v128.load(at + 3 * hb);
      const dh = v128.load(hGrad + row + q);
      const nPre = f32x4.mul(f32x4.mul(dh, f32x4.sub(k(ONE), z)), f32x4.sub(k(ONE), f32x4.mul(n, n)));
      const zPre = f32x4.mul(
        f32x4.mul(f32x4.mul(dh, f32x4.sub(v128.load(hPrev + row + q), n)), z),
        f32x4.sub(k(ONE), z),
      );
      const rPre = f32x4.mul(f32x4.mul(f32x4.mul(nPre, ghN), r), f32x4.sub(k(ONE), r));
      v128.store(hPrevGrad + row + q, f32x4.add(v128.load(hPrevGrad + row + q), f32x4.mul(dh, z)));
      const di = inputPartGrad + gates + q;
      const dg = hiddenPartGrad + gates + q;
      v128.store(di, rPre);
      v128.store(dg, rPre);
      v128.store(di + hb, zPre);
      v128.store(dg + hb, zPre);
      v128.store(di + 2 * hb, nPre);
      v128.store(dg + 2 * hb, f32x4.mul(nPre, r));
    }
  }
}

/** tanh RNN forward step for n = B·H values (a multiple of 4), as src/cells/rnn.ts:
 *  a = inputPart + hiddenPart (the cache), h = tanh(a). */
export function tanhForward(ip: usize, hp: usize, cache: usize, h: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const a = f32x4.add(v128.load(ip + o), v128.load(hp + o));
    v128.store(cache + o, a);
    v128.store(h + o, tanhv(a));
  }
}

/** tanh RNN backward step for n = B·H values (a multiple of 4), as src/cells/rnn.ts:
 *  da = dh ⊙ (1 − h²), the gradient of both parts. */
export function tanhBackward(hGrad: usize, h: usize, da: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const y = v128.load(h + o);
    v128.store(da + o, f32x4.mul(v128.load(hGrad + o), f32x4.sub(k(ONE), f32x4.mul(y, y))));
  }
}

/** Softmax of N rows of C logits (row-major at z), times `scale`, into p, with each row's max and
 *  Σ exp(z − max) into rowMax, rowSum [N] (so logsumexp = max + log(sum), taken by the caller).
 *  Columns past the last multiple of 4 are done one by one. */
export function softmaxRows(z: usize, p: usize, rowMax: usize, rowSum: usize, N: i32, C: i32, scale: f32): void {
  const C4 = C & ~3;
  for (let n = 0; n < N; n++) {
    const row = <usize>(n * C) << 2;
    let mv = f32x4.splat(-Infinity);
    for (let c = 0; c < C4; c += 4) mv = f32x4.pmax(mv, v128.load(z + row + (<usize>c << 2)));
    let top = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (let c = C4; c < C; c++) top = max(top, load<f32>(z + row + (<usize>c << 2)));
    const m = f32x4.splat(top);
    let sv = f32x4.splat(0);
    for (let c = 0; c < C4; c += 4) {
      const q = row + (<usize>c << 2);
      const e = expv(f32x4.sub(v128.load(z + q), m));
      v128.store(p + q, e);
      sv = f32x4.add(sv, e);
    }
    let sum = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
    for (let c = C4; c < C; c++) {
      const q = row + (<usize>c << 2);
      const e = f32x4.extract_lane(expv(f32x4.splat(load<f32>(z + q) - top)), 0);
      store<f32>(p + q, e);
      sum += e;
    }
    const factor = scale / sum;
    const inverse = f32x4.splat(factor);
    for (let c = 0; c < C4; c += 4) {
      const q = row + (<usize>c << 2);
      v128.store(p + q, f32x4.mul(v128.load(p + q), inverse));
    }
    for (let c = C4; c < C; c++) {
      const q = row + (<usize>c << 2);
      store<f32>(p + q, load<f32>(p + q) * factor);
    }
    store<f32>(rowMax + (<usize>n << 2), top);
    store<f32>(rowSum + (<usize>n << 2), sum);
  }
}

/** LSTM backward step for B rows of H units (H a multiple of 4), as src/cells/lstm.ts, from the
 *  cache [B×5H] (i, f, g, o, tanh c): dc = cGrad + hGrad ⊙ o ⊙ (1 − tanh²c) (written back to
 *  cGrad), cPrevGrad += dc ⊙ f, and da [B×4H] = dc⊙g⊙i(1−i), dc⊙cPrev⊙f(1−f), dc⊙i⊙(1−g²),
 *  hGrad⊙tanh c⊙o(1−o) into gateGrad (both the input part's and the hidden part's gradient). */
export function lstmBackward(
  cache: usize,
  hGrad: usize,
  cGrad: usize,
  cPrev: usize,
  cPrevGrad: usize,
  gateGrad: usize,
  B: i32,
  H: i32,
): void {
  const hb = <usize>H << 2;
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const gates = <usize>(b * 4 * H) << 2;
    const row = <usize>(b * H) << 2;
    const cached = <usize>(b * 5 * H) << 2;
    for (let j = 0; j < H; j += 4) {
      const q = <usize>j << 2;
      const k = cache + cached + q;
      const i = v128.load(k);
      const f = v128.load(k + hb);
      const g = v128.load(k + 2 * hb);
      const o = v128.load(k + 3 * hb);
      const tanhC = v128.load(k + 4 * hb);
      const dh = v128.load(hGrad + row + q);
      const dc = f32x4.add(
        v128.load(cGrad + row + q),
        f32x4.mul(f32x4.mul(dh, o), f32x4.sub(one, f32x4.mul(tanhC, tanhC))),
      );
      v128.store(cGrad + row + q, dc);
      v128.store(cPrevGrad + row + q, f32x4.add(v128.load(cPrevGrad + row + q), f32x4.mul(dc, f)));
      const a = gateGrad + gates + q;
      v128.store(a, f32x4.mul(f32x4.mul(f32x4.mul(dc, g), i), f32x4.sub(one, i)));
      v128.store(a + hb, f32x4.mul(f32x4.mul(f32x4.mul(dc, v128.load(cPrev + row + q)), f), f32x4.sub(one, f)));
      v128.store(a + 2 * hb, f32x4.mul(f32x4.mul(dc, i), f32x4.sub(one, f32x4.mul(g, g))));
      v128.store(a + 3 * hb, f32x4.mul(f32x4.mul(f32x4.mul(dh, tanhC), o), f32x4.sub(one, o)));
    }
  }
}
