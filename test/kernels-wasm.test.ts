import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { KC, MC, NC } from "../src/kernels/gemm-blocking.js";
import { gemmF32 } from "../src/kernels/gemm-f32.js";
import {
  forgetWasmKernel,
  gemmWasmF32,
  loadWasmKernels,
  reloadWasmKernel,
  setPackedPoolBytes,
  setWasmGemmEnabled,
  setWasmGemmSums,
  wasmGemmAvailable,
  wasmGemmEnabled,
  wasmKernelVariant,
} from "../src/kernels/gemm-wasm.js";
import {
  matmul,
  matmulPacked,
  matmulReference,
  matmulTransA,
  matmulTransB,
  PackedOperand,
} from "../src/kernels/matmul.js";
import { Rng } from "../src/random.js";
import { fixedShapes as matmulShapes } from "./helpers/matmul-shapes.js";

// The WebAssembly SIMD float32 kernel (src/kernels/gemm-wasm.ts, compiled from
// assembly/gemm-f32.ts) against matmulReference, on the shapes of test/kernels-matmul.test.ts, both
// through matmul's dispatch and called directly (matmul keeps thin and tiny products in
// TypeScript). With float64 sums it meets the TypeScript kernels' tolerance and, as
// it adds the same exact products in the same order, equals them bit for bit up to K = KC; with
// float32 sums (the default, as in PyTorch's BLAS) the tolerance is the float32 summation bound
// (about K roundings).

type Form = (out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number) => void;

interface FormSpec {
  name: string;
  form: Form;
  transA: boolean;
  transB: boolean;
  /** the strides gemm uses for this form: ars, acs, brs, bcs */
  strides: (M: number, K: number, N: number) => [number, number, number, number];
}

const forms: FormSpec[] = [
  { name: "matmul", form: matmul, transA: false, transB: false, strides: (_M, K, N) => [K, 1, N, 1] },
  {
    name: "matmulTransA",
    form: matmulTransA,
    transA: true,
    transB: false,
    strides: (M, _K, N) => [1, M, N, 1],
  },
  { name: "matmulTransB", form: matmulTransB, transA: false, transB: true, strides: (_M, K) => [K, 1, 1, K] },
];

function random(n: number, rng: Rng, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * rng.normal();
  return out;
}

type Run = (
  f: FormSpec,
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  M: number,
  K: number,
  N: number,
) => void;

const viaMatmul: Run = (f, out, a, b, M, K, N) => f.form(out, a, b, M, K, N);
/** B packed once (PackedOperand), then used twice: out += a·B, out −= a·B (so out ends at
 *  out₀ + a·B through three products, the last two from the same packing). */
const viaPacked: Run = (f, out, a, b, M, K, N) => {
  const packed = new PackedOperand();
  packed.load(b, K, N, f.transB);
  matmulPacked(out, a, packed, M);
  const negated = a.map((x) => -x);
  matmulPacked(out, negated, packed, M);
  matmulPacked(out, a, packed, M);
};
const direct: Run = (f, out, a, b, M, K, N) => gemmWasmF32(out, a, b, M, K, N, ...f.strides(M, K, N));

/** run(f, out, a, b) against the float64 reference; tolerance per element relative to |out₀| +
 *  Σ_k |a||b|, as in test/kernels-matmul.test.ts for float64 sums. Views at odd offsets, with
 *  sentinels around the output, when `views`. */
function check(
  run: Run,
  f: FormSpec,
  M: number,
  K: number,
  N: number,
  seed: number,
  options: { views?: boolean; scale?: number; sums32?: boolean; tripled?: boolean } = {},
): void {
  const rng = new Rng(seed);
  const scale = options.scale ?? 1;
  const a = random(M * K, rng, scale);
  const b = random(K * N, rng, 1 / scale);
  const start = random(M * N, rng);
  const expected = Float64Array.from(start);
  matmulReference(expected, Float64Array.from(a), Float64Array.from(b), M, K, N, f.transA, f.transB);
  const bound = Float64Array.from(start, Math.abs);
  const absA = Float64Array.from(a, Math.abs);
  const absB = Float64Array.from(b, Math.abs);
  matmulReference(bound, absA, absB, M, K, N, f.transA, f.transB);
  const blocks = Math.ceil(K / KC);
  const relative =
    (options.tripled ? 3 : 1) *
    (options.sums32 ? 2 ** -24 * (Math.min(K, KC) + blocks + 1) : 2 ** -23 * (blocks + 1));

  let out: Float32Array;
  if (options.views) {
    const pad = 3;
    const outBuf = new Float32Array(M * N + 2 * pad + 1).fill(-7.5);
    out = outBuf.subarray(pad + 1, pad + 1 + M * N);
    out.set(start);
    const aView = new Float32Array(M * K + 2 * pad).fill(Number.NaN).subarray(pad, pad + M * K);
    const bView = new Float32Array(K * N + 5).fill(Number.NaN).subarray(5);
    aView.set(a);
    bView.set(b);
    run(f, out, aView, bView, M, K, N);
    for (let i = 0; i <= pad; i++) expect(outBuf[i]).toBe(-7.5);
    for (let i = pad + 1 + M * N; i < outBuf.length; i++) expect(outBuf[i]).toBe(-7.5);
    expect(Array.from(aView)).toEqual(Array.from(a));
    expect(Array.from(bView)).toEqual(Array.from(b));
  } else {
    out = Float32Array.from(start);
    run(f, out, a, b, M, K, N);
  }
  let worst = 0;
  for (let i = 0; i < M * N; i++) {
    const excess = Math.abs(out[i] - expected[i]) / (relative * bound[i] + Number.MIN_VALUE);
    if (!(excess <= worst)) worst = excess;
  }
  if (!(worst <= 1)) {
    throw new Error(`${f.name} M=${M} K=${K} N=${N}: error ${worst.toFixed(2)}× the tolerance`);
  }
  if (!options.sums32 && !options.tripled && K <= KC) {
    // float64 sums: the same exact products added in the same order as the TypeScript kernel.
    const ts = Float32Array.from(start);
    gemmF32(ts, a, b, M, K, N, ...f.strides(M, K, N));
    expect(Array.from(out)).toEqual(Array.from(ts));
  }
}

// The shapes of test/kernels-matmul.test.ts, and the WebAssembly kernel's own.
const fixedShapes: [number, number, number][] = [
  ...matmulShapes,
  // the WebAssembly kernel's own blocks (MC 64 or 128, NC 256 or 512) and its 4×8 tile
  [129, 40, 257],
  [131, 3, 515],
  [64, 33, 8],
  [12, 5, 23],
];

function layerShapes(G: number, H: number): [string, number, number, number, FormSpec][] {
  const TB = 16 * 32;
  const [nn, tn, nt] = forms;
  return [
    ["input projection x·W_ihᵀ", TB, 64, G * H, nt],
    ["recurrent h·W_hhᵀ", 32, H, G * H, nt],
    ["dW_hh += dGᵀ·h", G * H, 32, H, tn],
    ["dh += dG·W_hh", 32, G * H, H, nn],
    ["dW_ih += dGᵀ·X", G * H, TB, 64, tn],
    ["dX = dG·W_ih", TB, G * H, 64, nn],
    ["readout h·W_outᵀ", TB, H, 65, nt],
    ["dW_out += dYᵀ·h", 65, TB, H, tn],
    ["dh += dY·W_out", TB, 65, H, nn],
  ];
}

afterEach(() => {
  setWasmGemmEnabled(true);
  setWasmGemmSums("float32");
});

it("the WebAssembly kernel loads in Node 20 (its relaxed SIMD build, under the flag) and is on by default", () => {
  expect(wasmKernelVariant()).toBe("relaxed");
  expect(wasmGemmAvailable()).toBe(true);
  expect(wasmGemmEnabled()).toBe(true);
  expect(setWasmGemmSums("float32"), "the default sums").toBe("float32");
});

it("loadWasmKernels() compiles the module asynchronously (a page's main thread), and products use it", async () => {
  forgetWasmKernel("relaxed");
  // lib ES2022 with Node's types does not declare WebAssembly
  const wasm = (globalThis as unknown as { WebAssembly: { compile: (bytes: Uint8Array) => Promise<object> } })
    .WebAssembly;
  const compile = vi.spyOn(wasm, "compile");
  try {
    expect(await loadWasmKernels()).toBe("relaxed");
    expect(compile).toHaveBeenCalledTimes(1);
  } finally {
    compile.mockRestore();
  }
  expect(wasmKernelVariant()).toBe("relaxed");
  check(viaMatmul, forms[2], 40, 70, 90, 3, { sums32: true });
});

it("src/kernels/gemm-wasm-module.ts is up to date with assembly/gemm-f32.ts", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  expect(() =>
    execFileSync(process.execPath, ["tools/build-wasm.mjs", "--check"], { cwd: root, stdio: "pipe" }),
  ).not.toThrow();
}, 60_000);

// Both builds: relaxed SIMD (fused multiply-add; vitest runs Node with --experimental-wasm-relaxed-simd,
// as the CLI sets it) and plain SIMD (Node 20 without the flag).
describe.each(["relaxed", "simd"] as const)("the %s build", (variant) => {
  beforeAll(() => {
    expect(reloadWasmKernel(variant)).toBe(variant);
  });
  afterAll(() => {
    reloadWasmKernel("relaxed");
  });

  describe.each([
    ["float64 sums", false],
    ["float32 sums", true],
  ])("%s", (_name, sums32) => {
    const options = { sums32 };
    const setup = () => setWasmGemmSums(sums32 ? "float32" : "float64");

    it.each(fixedShapes)("M=%i K=%i N=%i: every form, through matmul and directly", (M, K, N) => {
      setup();
      for (const f of forms) {
        check(viaMatmul, f, M, K, N, M * 10007 + K * 101 + N, options);
        check(direct, f, M, K, N, M * 10007 + K * 101 + N + 1, options);
      }
    });

    it.each(fixedShapes)("M=%i K=%i N=%i: a packed right operand (matmul, matmulTransB forms)", (M, K, N) => {
      setup();
      // The tolerance covers three products' roundings: the bound of one, tripled.
      for (const f of [forms[0], forms[2]]) {
        check(viaPacked, f, M, K, N, M * 7 + K * 3 + N, { ...options, scale: 1, tripled: true });
      }
    });

    it.each(fixedShapes.filter((_, i) => i % 3 === 0))("M=%i K=%i N=%i, on views at offsets", (M, K, N) => {
      setup();
      for (const f of forms) check(direct, f, M, K, N, M + K + N, { ...options, views: true });
    });

    it("every M from 1 to 40 and around the 132-row block: A panels of 6 and 4 rows, padded or not", () => {
      setup();
      const Ms = [
        ...Array.from({ length: 40 }, (_, i) => i + 1),
        127,
        130,
        131,
        132,
        133,
        136,
        137,
        140,
        269,
      ];
      for (const M of Ms) {
        check(direct, forms[M % 3], M, 19, 13, 77 + M, options);
        check(viaPacked, forms[0], M, 21, 17, 91 + M, { ...options, scale: 1, tripled: true });
      }
    });

    it("random shapes (1 to 70 in each dimension, some larger)", () => {
      setup();
      const rng = new Rng(sums32 ? 33 : 65);
      const dim = (max: number) => 1 + Math.floor(rng.uniform() * max);
      for (let trial = 0; trial < 60; trial++) {
        const big = trial % 10 === 9;
        const [M, K, N] = big ? [dim(300), dim(600), dim(300)] : [dim(70), dim(70), dim(70)];
        check(direct, forms[trial % 3], M, K, N, 1000 + trial, { ...options, views: trial % 2 === 0 });
      }
    });

    it.each([
      [1, 8],
      [4, 8],
      [1, 12],
      [4, 32],
    ])("the recurrent layer's shapes at G=%i, H=%i", (G, H) => {
      setup();
      for (const [name, M, K, N, f] of layerShapes(G, H)) {
        expect(
          () => check(viaMatmul, f, M, K, N, M * K + N, { ...options, views: true }),
          name,
        ).not.toThrow();
      }
    });

    it("large and small magnitudes", () => {
      setup();
      for (const f of forms) {
        check(direct, f, 21, 300, 19, 5, { ...options, scale: 1e6 });
        check(direct, f, 21, 300, 19, 6, { ...options, scale: 1e-6 });
      }
    });

    it("a NaN or infinity in A reaches only its own output row", () => {
      setup();
      const [M, K, N] = [10, 40, 9]; // edge tiles in M and N
      for (const f of forms) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
          const rng = new Rng(3);
          const a = random(M * K, rng);
          const b = random(K * N, rng);
          const badRow = 5;
          a[f.transA ? 7 * M + badRow : badRow * K + 7] = bad;
          const out = new Float32Array(M * N);
          direct(f, out, a, b, M, K, N);
          for (let i = 0; i < M * N; i++) {
            expect(Number.isFinite(out[i]), `${f.name} ${bad} at ${i}`).toBe(Math.floor(i / N) !== badRow);
          }
        }
      }
    });
  });
});

describe("fallback", () => {
  it("turned off, float32 products run the TypeScript kernels (bit for bit) and still match the reference", () => {
    expect(setWasmGemmEnabled(false)).toBe(true);
    expect(wasmGemmEnabled()).toBe(false);
    for (const [M, K, N] of [
      [MC + 3, KC + 5, NC + 7],
      [300, 20, 40],
      [33, 64, 31],
    ] as [number, number, number][]) {
      for (const f of forms) {
        check(viaMatmul, f, M, K, N, M * K * N);
        const rng = new Rng(M + N);
        const a = random(M * K, rng);
        const b = random(K * N, rng);
        const viaForm = new Float32Array(M * N);
        f.form(viaForm, a, b, M, K, N);
        const ts = new Float32Array(M * N);
        gemmF32(ts, a, b, M, K, N, ...f.strides(M, K, N));
        expect(Array.from(viaForm)).toEqual(Array.from(ts));
      }
    }
  });

  it("packed operands stay right when the pool starts over, and without WebAssembly", () => {
    const previous = setPackedPoolBytes(6000);
    try {
      const rng = new Rng(8);
      const shapes = [
        [7, 40, 30, true],
        [9, 33, 41, false],
      ] as const;
      const cases = shapes.map(([M, K, N, transposed]) => {
        const a = random(M * K, rng);
        const b = random(K * N, rng);
        const expected = new Float64Array(M * N);
        matmulReference(expected, Float64Array.from(a), Float64Array.from(b), M, K, N, false, transposed);
        const packed = new PackedOperand();
        packed.load(b, K, N, transposed);
        return { M, N, a, b, expected, packed };
      });
      // Each operand is bigger than half the pool: packing one makes the other stale.
      for (let round = 0; round < 3; round++) {
        for (const { M, N, a, expected, packed } of cases) {
          const out = new Float32Array(M * N);
          matmulPacked(out, a, packed, M);
          for (let i = 0; i < M * N; i++) expect(Math.abs(out[i] - expected[i])).toBeLessThan(1e-4);
        }
      }
      setWasmGemmEnabled(false);
      const { M, N, a, b, packed } = cases[0];
      const out = new Float32Array(M * N);
      matmulPacked(out, a, packed, M);
      const viaTs = new Float32Array(M * N);
      matmulTransB(viaTs, a, b, M, 40, N);
      expect(Array.from(out)).toEqual(Array.from(viaTs));
    } finally {
      setPackedPoolBytes(previous);
    }
  });

  it("float64 products never use it; large and small calls interleave (memory grows, views renew)", () => {
    for (const [M, K, N] of [
      [700, 300, 600],
      [9, 9, 9],
      [64, 64, 64],
    ] as [number, number, number][]) {
      for (const f of forms) check(viaMatmul, f, M, K, N, M + 2 * K + 3 * N, { sums32: true });
    }
    const out = new Float64Array(64);
    matmul(out, new Float64Array(64).fill(1), new Float64Array(64).fill(1), 8, 8, 8);
    expect(Array.from(out)).toEqual(new Array(64).fill(8));
  });
});
