import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIRECT_MAX_WORK, KC, MC, NC } from "../src/kernels/gemm-blocking.js";
import { setWasmGemmSums } from "../src/kernels/gemm-wasm.js";
import { matmul, matmulReference, matmulTransA, matmulTransB } from "../src/kernels/matmul.js";
import { Rng } from "../src/random.js";
import type { Buf } from "../src/tensor.js";
import { fixedShapes } from "./helpers/matmul-shapes.js";

// The fast matrix kernels (src/kernels/gemm-f64.ts, gemm-f32.ts, dispatched by matmul.ts) against
// the index-by-index matmulReference, on shapes that reach every path: the direct kernel (thin and
// tiny products) and the packed one, full and edge 4×4 tiles, one and several K, M and N blocks,
// and the shapes the recurrent layer uses. Outputs start non-zero (the forms accumulate), and
// inputs and outputs are also passed as views at non-zero offsets into larger buffers.
// Float32 products that reach the WebAssembly kernel run it with float64 sums here (the TypeScript
// kernels' contract); test/kernels-wasm.test.ts checks its default float32 sums.

let previousSums: "float32" | "float64";
beforeAll(() => {
  previousSums = setWasmGemmSums("float64");
});
afterAll(() => {
  setWasmGemmSums(previousSums);
});

type Form = (out: Buf, a: Buf, b: Buf, M: number, K: number, N: number) => void;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

const forms: { name: string; form: Form; transA: boolean; transB: boolean }[] = [
  { name: "matmul", form: matmul, transA: false, transB: false },
  { name: "matmulTransA", form: matmulTransA, transA: true, transB: false },
  { name: "matmulTransB", form: matmulTransB, transA: false, transB: true },
];

function random(n: number, rng: Rng, Ctor: Ctor, scale = 1): Buf {
  const out = new Ctor(n);
  for (let i = 0; i < n; i++) out[i] = scale * rng.normal();
  return out;
}

/** Checks form(out, a, b) against the reference computed in float64 from the same (possibly
 *  float32) values. The tolerance is per element, relative to |out₀| + Σ_k |a||b| (which grows with
 *  K and the operands' magnitude): 1e-12 for float64 (sums of up to a few thousand terms in another
 *  order); for float32, 2⁻²³ per rounding of the output, which happens once per K block of KC, plus
 *  one. */
function expectMatchesReference(
  Ctor: Ctor,
  f: (typeof forms)[number],
  M: number,
  K: number,
  N: number,
  seed: number,
  options: { views?: boolean; scale?: number } = {},
): void {
  const rng = new Rng(seed);
  const scale = options.scale ?? 1;
  const a = random(M * K, rng, Ctor, scale);
  const b = random(K * N, rng, Ctor, 1 / scale);
  const start = random(M * N, rng, Ctor);
  const expected = Float64Array.from(start);
  matmulReference(expected, Float64Array.from(a), Float64Array.from(b), M, K, N, f.transA, f.transB);
  const bound = Float64Array.from(start, Math.abs);
  matmulReference(
    bound,
    Float64Array.from(a, Math.abs),
    Float64Array.from(b, Math.abs),
    M,
    K,
    N,
    f.transA,
    f.transB,
  );
  const relative = Ctor === Float64Array ? 1e-12 : 2 ** -23 * (Math.ceil(K / KC) + 1);

  let out: Buf;
  if (options.views) {
    // Views at odd element offsets inside larger buffers, with sentinels around them that must
    // survive, and inputs that must not change.
    const pad = 3;
    const outBuf = new Ctor(M * N + 2 * pad + 1).fill(-7.5);
    out = outBuf.subarray(pad + 1, pad + 1 + M * N);
    out.set(start);
    const aBuf = new Ctor(M * K + 2 * pad).fill(Number.NaN);
    const bBuf = new Ctor(K * N + 5).fill(Number.NaN);
    const aView = aBuf.subarray(pad, pad + M * K);
    const bView = bBuf.subarray(5);
    aView.set(a);
    bView.set(b);
    expect(out.byteOffset).toBeGreaterThan(0);
    expect(aView.byteOffset).toBeGreaterThan(0);
    f.form(out, aView, bView, M, K, N);
    for (let i = 0; i <= pad; i++) expect(outBuf[i]).toBe(-7.5);
    for (let i = pad + 1 + M * N; i < outBuf.length; i++) expect(outBuf[i]).toBe(-7.5);
    expect(Array.from(aView)).toEqual(Array.from(a));
    expect(Array.from(bView)).toEqual(Array.from(b));
  } else {
    out = new Ctor(start);
    f.form(out, a, b, M, K, N);
  }
  let worst = 0;
  for (let i = 0; i < M * N; i++) {
    const excess = Math.abs(out[i] - expected[i]) / (relative * bound[i] + Number.MIN_VALUE);
    if (!(excess <= worst)) worst = excess; // NaN lands here too
  }
  if (!(worst <= 1)) {
    throw new Error(`${f.name} ${Ctor.name} M=${M} K=${K} N=${N}: error ${worst.toFixed(2)}× the tolerance`);
  }
}

// The recurrent layer's products (B = 32, E = 64, V = 65) at small H, with T = 16 (T·B = 512).
function layerShapes(G: number, H: number): [string, number, number, number, Form][] {
  const B = 32;
  const TB = 16 * B;
  const E = 64;
  const V = 65;
  return [
    ["input projection x·W_ihᵀ", TB, E, G * H, matmulTransB],
    ["recurrent h·W_hhᵀ", B, H, G * H, matmulTransB],
    ["dW_hh += dGᵀ·h", G * H, B, H, matmulTransA],
    ["dh += dG·W_hh", B, G * H, H, matmul],
    ["dW_ih += dGᵀ·X", G * H, TB, E, matmulTransA],
    ["dX = dG·W_ih", TB, G * H, E, matmul],
    ["readout h·W_outᵀ", TB, H, V, matmulTransB],
    ["dW_out += dYᵀ·h", V, TB, H, matmulTransA],
    ["dh += dY·W_out", TB, V, H, matmul],
  ];
}

function formOf(form: Form): (typeof forms)[number] {
  return forms.find((f) => f.form === form)!;
}

describe.each([Float64Array, Float32Array])("%s", (Ctor) => {
  it.each(fixedShapes)("M=%i K=%i N=%i: every form equals matmulReference", (M, K, N) => {
    for (const f of forms) expectMatchesReference(Ctor, f, M, K, N, M * 10007 + K * 101 + N);
  });

  it.each(fixedShapes.filter((_, i) => i % 3 === 0))("M=%i K=%i N=%i, on views at offsets", (M, K, N) => {
    for (const f of forms) expectMatchesReference(Ctor, f, M, K, N, M + K + N, { views: true });
  });

  it("random shapes (1 to 70 in each dimension, some larger)", () => {
    const rng = new Rng(Ctor === Float64Array ? 64 : 32);
    const dim = (max: number) => 1 + Math.floor(rng.uniform() * max);
    for (let trial = 0; trial < 60; trial++) {
      const big = trial % 10 === 9;
      const [M, K, N] = big ? [dim(300), dim(600), dim(300)] : [dim(70), dim(70), dim(70)];
      const f = forms[trial % 3];
      expectMatchesReference(Ctor, f, M, K, N, 1000 + trial, { views: trial % 2 === 0 });
    }
  });

  it.each([
    [1, 8],
    [4, 8],
    [1, 12],
  ])("the recurrent layer's shapes at G=%i, H=%i", (G, H) => {
    for (const [name, M, K, N, form] of layerShapes(G, H)) {
      const f = formOf(form);
      expect(() => expectMatchesReference(Ctor, f, M, K, N, M * K + N, { views: true }), name).not.toThrow();
    }
  });

  it("large and small magnitudes (tolerance relative to the terms' size)", () => {
    for (const f of forms) {
      expectMatchesReference(Ctor, f, 21, 300, 19, 5, { scale: 1e6 });
      expectMatchesReference(Ctor, f, 21, 300, 19, 6, { scale: 1e-6 });
    }
  });

  it("accumulates: two calls add two products, and zero-sized products change nothing", () => {
    const rng = new Rng(9);
    const [M, K, N] = [13, 300, 22];
    for (const f of forms) {
      const a = random(M * K, rng, Ctor);
      const b = random(K * N, rng, Ctor);
      const once = new Ctor(M * N);
      f.form(once, a, b, M, K, N);
      const twice = new Ctor(M * N);
      f.form(twice, a, b, M, K, N);
      f.form(twice, a, b, M, K, N);
      for (let i = 0; i < M * N; i++)
        expect(twice[i]).toBeCloseTo(2 * once[i], Ctor === Float64Array ? 10 : 3);

      const out = Ctor.from([1, 2, 3]);
      f.form(out, new Ctor(0), new Ctor(0), 3, 0, 1);
      f.form(out, new Ctor(0), new Ctor(5), 0, 5, 1);
      f.form(out, new Ctor(4), new Ctor(0), 1, 4, 0);
      expect(Array.from(out)).toEqual([1, 2, 3]);
    }
  });

  it("a NaN or infinity in A reaches only its own output row, as in the reference", () => {
    const [M, K, N] = [10, 40, 9]; // packed, with padded edge tiles in M and N
    expect(M * N * K).toBeGreaterThanOrEqual(DIRECT_MAX_WORK);
    for (const f of forms) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const rng = new Rng(3);
        const a = random(M * K, rng, Ctor);
        const b = random(K * N, rng, Ctor);
        const badRow = 5; // not the last: a stray store past its row's end would land in the next
        a[f.transA ? 7 * M + badRow : badRow * K + 7] = bad;
        const expected = new Float64Array(M * N);
        matmulReference(expected, Float64Array.from(a), Float64Array.from(b), M, K, N, f.transA, f.transB);
        const out = new Ctor(M * N);
        f.form(out, a, b, M, K, N);
        for (let i = 0; i < M * N; i++) {
          const row = Math.floor(i / N);
          expect(Number.isFinite(out[i]), `${f.name} ${bad} at ${i}`).toBe(row !== badRow);
          expect(Number.isNaN(out[i])).toBe(Number.isNaN(expected[i]));
        }
      }
    }
  });
});

describe("dispatch and guards", () => {
  it("float32 and float64 calls interleave (shared packing scratch, large then small)", () => {
    for (const [M, K, N] of [
      [MC + 3, KC + 5, NC + 7],
      [9, 9, 9],
      [300, 20, 40],
      [5, 6, 7],
    ] as [number, number, number][]) {
      for (const Ctor of [Float32Array, Float64Array]) {
        for (const f of forms) expectMatchesReference(Ctor, f, M, K, N, M * K * N);
      }
    }
  });

  it("mixed dtypes (no caller does this) still compute the product", () => {
    const rng = new Rng(4);
    const [M, K, N] = [6, 11, 7];
    for (const f of forms) {
      const a = random(M * K, rng, Float32Array);
      const b = random(K * N, rng, Float64Array);
      const out = new Float64Array(M * N).fill(0.5);
      const expected = new Float64Array(M * N).fill(0.5);
      matmulReference(expected, Float64Array.from(a), b, M, K, N, f.transA, f.transB);
      f.form(out, a, b, M, K, N);
      for (let i = 0; i < M * N; i++) expect(out[i]).toBeCloseTo(expected[i], 12);
    }
  });

  it("throws a RangeError, before writing anything, when a buffer is too short", () => {
    for (const f of forms) {
      const out = new Float64Array(12).fill(1);
      expect(() => f.form(out, new Float64Array(11), new Float64Array(20), 3, 4, 4)).toThrow(RangeError);
      expect(() => f.form(out, new Float64Array(12), new Float64Array(15), 3, 4, 4)).toThrow(RangeError);
      expect(() => f.form(new Float32Array(11), new Float32Array(12), new Float32Array(16), 3, 4, 4)).toThrow(
        /needs out ≥ 12/,
      );
      expect(Array.from(out)).toEqual(new Array(12).fill(1));
    }
  });

  it("gemm-f32.ts is gemm-f64.ts with the array type and suffix swapped (the twins stay in step)", () => {
    const read = (name: string) => readFileSync(new URL(`../src/kernels/${name}`, import.meta.url), "utf8");
    const code = (source: string) => {
      const firstLine = source.slice(0, source.indexOf("\n"));
      return `${firstLine}\n${source.slice(source.indexOf("export function gemm"))}`;
    };
    const f64 = code(read("gemm-f64.ts"));
    const f32 = code(read("gemm-f32.ts"));
    expect(f32).toBe(f64.replaceAll("Float64Array", "Float32Array").replaceAll("F64", "F32"));
    expect(f64).toContain("Float64Array");
  });
});
