import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gruCell } from "../src/cells/gru.js";
import { lstmCell } from "../src/cells/lstm.js";
import { rnnCell } from "../src/cells/rnn.js";
import type { CellStep } from "../src/cells/cell.js";
import { sigmoid } from "../src/kernels/activations.js";
import { reloadWasmKernel } from "../src/kernels/gemm-wasm.js";
import { softmaxCrossEntropy } from "../src/kernels/losses.js";
import {
  pointwiseWasm,
  setWasmPointwiseEnabled,
  softmaxRowsWasm,
  tanhForwardWasm,
  wasmPointwiseEnabled,
} from "../src/kernels/pointwise-wasm.js";
import { Rng } from "../src/random.js";

// The WebAssembly pointwise kernels (assembly/pointwise.ts) against Math.exp, σ and Math.tanh in
// float64, and the LSTM, GRU and tanh RNN steps against the TypeScript cells.

const ULP = 2 ** -23;

/** Largest error over xs in float32 ulps of the true value (relative error / 2⁻²³). */
function worstUlps(which: 0 | 1 | 2, f: (x: number) => number, xs: Float32Array): number {
  const y = new Float32Array(xs.length);
  pointwiseWasm(which, xs, y);
  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const exact = f(xs[i]);
    const error = Math.abs(y[i] - exact) / Math.max(Math.abs(exact), 2 ** -126) / ULP;
    if (!(error <= worst)) worst = error;
  }
  return worst;
}

const grid = (from: number, to: number, n: number) =>
  Float32Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1));

describe("exp, σ and tanh in WebAssembly", () => {
  it("loads in Node 20", () => {
    expect(wasmPointwiseEnabled()).toBe(true);
  });

  it("exp within 1 ulp on [−87, 88]", () => {
    expect(worstUlps(0, Math.exp, grid(-87, 88, 100_003))).toBeLessThanOrEqual(1);
    expect(worstUlps(0, Math.exp, grid(-1, 1, 10_001))).toBeLessThanOrEqual(1);
  });

  it("σ within 2 ulp on [−80, 80], tanh within 3 ulp on [−20, 20] and near 0", () => {
    expect(worstUlps(1, sigmoid, grid(-80, 80, 100_003))).toBeLessThanOrEqual(2);
    expect(worstUlps(2, Math.tanh, grid(-20, 20, 100_003))).toBeLessThanOrEqual(3);
    expect(worstUlps(2, Math.tanh, grid(-0.7, 0.7, 10_001))).toBeLessThanOrEqual(3);
    expect(worstUlps(2, Math.tanh, Float32Array.from([1e-30, -1e-20, 1e-7, 3e-4]))).toBeLessThanOrEqual(2);
  });

  it("limits and NaN: σ(±∞) = 1, 0; tanh(±∞) = ±1; exp(−∞) ≈ 0; NaN stays NaN", () => {
    const x = Float32Array.from([Infinity, -Infinity, 200, -200, Number.NaN]);
    const y = new Float32Array(5);
    pointwiseWasm(1, x, y);
    expect(Array.from(y.subarray(0, 4))).toEqual(
      [1, 0, 1, 0].map((v, i) => (i % 2 ? expect.closeTo(v, 37) : v)),
    );
    expect(y[4]).toBeNaN();
    pointwiseWasm(2, x, y);
    expect(Array.from(y.subarray(0, 4))).toEqual([1, -1, 1, -1]);
    expect(y[4]).toBeNaN();
    pointwiseWasm(0, x, y);
    expect([y[1], y[3]]).toEqual([0, 0]);
    expect(y[0]).toBeGreaterThan(1e38);
    expect(y[4]).toBeNaN();
  });
});

function random(n: number, rng: Rng, scale = 2): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** The TypeScript cell (the WebAssembly path off) and the cell as it runs by default (WebAssembly)
 *  on copies of the same step; returns both steps. */
function bothWays(run: (s: CellStep) => void, make: () => CellStep): [CellStep, CellStep] {
  const ts = make();
  const previous = setWasmPointwiseEnabled(false);
  try {
    run(ts);
  } finally {
    setWasmPointwiseEnabled(previous);
  }
  const wasm = make();
  run(wasm);
  return [ts, wasm];
}

function expectNear(a: CellStep, b: CellStep, keys: (keyof CellStep)[], ulps: number): void {
  for (const key of keys) {
    const x = a[key] as Float32Array;
    const y = b[key] as Float32Array;
    expect(x.length, key).toBe(y.length);
    for (let i = 0; i < x.length; i++) {
      expect(Math.abs(x[i] - y[i]), `${key}[${i}]`).toBeLessThanOrEqual(
        ulps * ULP * Math.max(1, Math.abs(y[i])),
      );
    }
  }
}

describe("cell steps in WebAssembly equal the TypeScript cells to float32 rounding", () => {
  it.each([
    [1, 4],
    [3, 8],
    [5, 128],
  ])("LSTM forward and backward, B = %i, H = %i", (B, H) => {
    expect(wasmPointwiseEnabled()).toBe(true);
    const rng = new Rng(B * 100 + H);
    const n = B * H;
    const inputs = {
      inputPart: random(4 * n, rng),
      hiddenPart: random(4 * n, rng),
      cPrev: random(n, rng),
      hGrad: random(n, rng),
      cGrad: random(n, rng),
      cPrevGrad: random(n, rng),
    };
    const make = (): CellStep => ({
      B,
      H,
      inputPart: inputs.inputPart,
      hiddenPart: inputs.hiddenPart,
      hPrev: new Float32Array(0),
      cPrev: inputs.cPrev,
      h: new Float32Array(n),
      c: new Float32Array(n),
      cache: new Float32Array(5 * n),
      hGrad: inputs.hGrad,
      cGrad: inputs.cGrad.slice(),
      inputPartGrad: new Float32Array(4 * n),
      hiddenPartGrad: new Float32Array(4 * n),
      hPrevGrad: new Float32Array(0),
      cPrevGrad: inputs.cPrevGrad.slice(),
    });
    const cell = lstmCell();
    const [ts, wasm] = bothWays((s) => {
      cell.forward(s);
      cell.backward(s);
    }, make);
    expectNear(wasm, ts, ["h", "c", "cache"], 8);
    expectNear(wasm, ts, ["cGrad", "cPrevGrad", "inputPartGrad", "hiddenPartGrad"], 32);
    expect(Array.from(wasm.hiddenPartGrad)).toEqual(Array.from(wasm.inputPartGrad));
  });

  /** A GRU step's buffers on the given inputs: fresh outputs, hPrevGrad a copy to accumulate into. */
  function gruStep(B: number, H: number, rng: Rng) {
    const n = B * H;
    const inputs = {
      inputPart: random(3 * n, rng),
      hiddenPart: random(3 * n, rng),
      hPrev: random(n, rng, 1),
      hGrad: random(n, rng),
      hPrevGrad: random(n, rng),
    };
    return (): CellStep => ({
      B,
      H,
      inputPart: inputs.inputPart,
      hiddenPart: inputs.hiddenPart,
      hPrev: inputs.hPrev,
      cPrev: new Float32Array(0),
      h: new Float32Array(n),
      c: new Float32Array(0),
      cache: new Float32Array(4 * n),
      hGrad: inputs.hGrad,
      cGrad: new Float32Array(0),
      inputPartGrad: new Float32Array(3 * n),
      hiddenPartGrad: new Float32Array(3 * n),
      hPrevGrad: inputs.hPrevGrad.slice(),
      cPrevGrad: new Float32Array(0),
    });
  }

  // both builds: relaxed SIMD (vitest runs Node with the flag, the default here) and plain SIMD
  describe.each(["relaxed", "simd"] as const)("GRU, the %s build", (variant) => {
    beforeAll(() => {
      expect(reloadWasmKernel(variant)).toBe(variant);
    });
    afterAll(() => {
      reloadWasmKernel("relaxed");
    });

    it.each([
      [1, 4],
      [3, 8],
      [5, 128],
    ])("forward and backward, B = %i, H = %i", (B, H) => {
      expect(wasmPointwiseEnabled()).toBe(true);
      const make = gruStep(B, H, new Rng(B * 1000 + H));
      const cell = gruCell();
      const [ts, wasm] = bothWays((s) => {
        cell.forward(s);
        cell.backward(s);
      }, make);
      expectNear(wasm, ts, ["h", "cache"], 8);
      expectNear(wasm, ts, ["hPrevGrad", "inputPartGrad", "hiddenPartGrad"], 32);
      // the n block's gradients differ (dgh_n = dgi_n ⊙ r); r and z are shared
      const GH = 3 * H;
      for (let b = 0; b < B; b++) {
        const row = b * GH;
        expect(Array.from(wasm.hiddenPartGrad.subarray(row, row + 2 * H))).toEqual(
          Array.from(wasm.inputPartGrad.subarray(row, row + 2 * H)),
        );
      }
      expect(wasm.hiddenPartGrad.subarray(2 * H, GH)).not.toEqual(wasm.inputPartGrad.subarray(2 * H, GH));
      // the WebAssembly step ran: float32 arithmetic rounds some value differently from float64's
      if (B * H >= 512) expect(Array.from(wasm.h)).not.toEqual(Array.from(ts.h));
    });
  });

  it.each([
    [2, 6],
    [1, 1],
  ])("GRU with H %% 4 ≠ 0 (B = %i, H = %i) takes the TypeScript step", (B, H) => {
    const make = gruStep(B, H, new Rng(B + H));
    const cell = gruCell();
    const [ts, wasm] = bothWays((s) => {
      cell.forward(s);
      cell.backward(s);
    }, make);
    for (const key of ["h", "cache", "hPrevGrad", "inputPartGrad", "hiddenPartGrad"] as const) {
      expect(Array.from(wasm[key]), key).toEqual(Array.from(ts[key]));
    }
    expect(wasm.inputPartGrad.some((v) => v !== 0)).toBe(true);
  });

  it.each([
    [1, 3],
    [3, 8],
    [5, 128],
  ])("tanh RNN cell forward and backward, B = %i, H = %i", (B, H) => {
    const rng = new Rng(B * 10 + H);
    const n = B * H;
    const inputs = { inputPart: random(n, rng), hiddenPart: random(n, rng), hGrad: random(n, rng) };
    const make = (): CellStep => {
      const partGrad = new Float32Array(n);
      return {
        B,
        H,
        inputPart: inputs.inputPart,
        hiddenPart: inputs.hiddenPart,
        hPrev: new Float32Array(0),
        cPrev: new Float32Array(0),
        h: new Float32Array(n),
        c: new Float32Array(0),
        cache: new Float32Array(n),
        hGrad: inputs.hGrad,
        cGrad: new Float32Array(0),
        inputPartGrad: partGrad,
        hiddenPartGrad: partGrad,
        hPrevGrad: new Float32Array(0),
        cPrevGrad: new Float32Array(0),
      };
    };
    const cell = rnnCell("tanh");
    const [ts, wasm] = bothWays((s) => {
      cell.forward(s);
      cell.backward(s);
    }, make);
    expectNear(wasm, ts, ["h", "cache"], 4);
    expectNear(wasm, ts, ["inputPartGrad"], 16);
    const apart = { ...make(), hiddenPartGrad: new Float32Array(n) };
    cell.forward(apart);
    cell.backward(apart);
    expect(Array.from(apart.hiddenPartGrad)).toEqual(Array.from(apart.inputPartGrad));
    expect(apart.inputPartGrad.some((v) => v !== 0)).toBe(true);
  });

  it.each([1, 7, 130])("tanh RNN, n = %i values (any n)", (n) => {
    const rng = new Rng(n);
    const inputPart = random(n + 3, rng).subarray(1, n + 1);
    const hiddenPart = random(n, rng);
    const h = new Float32Array(n + 2).fill(5);
    const cache = new Float32Array(n);
    tanhForwardWasm(inputPart, hiddenPart, cache, h.subarray(1, n + 1), n);
    expect(h[0]).toBe(5);
    expect(h[n + 1]).toBe(5);
    for (let i = 0; i < n; i++) {
      expect(cache[i]).toBe(Math.fround(inputPart[i] + hiddenPart[i]));
      const exact = Math.tanh(Math.fround(inputPart[i] + hiddenPart[i]));
      expect(Math.abs(h[i + 1] - exact)).toBeLessThanOrEqual(4 * ULP * Math.abs(exact) + 1e-30);
    }
  });
});

describe("softmax rows in WebAssembly", () => {
  it.each([
    [1, 3],
    [5, 65],
    [7, 8],
  ])("N = %i rows of C = %i: probabilities, max and sum against float64", (N, C) => {
    const rng = new Rng(N * C);
    const logits = random(N * C, rng, 5);
    logits[0] = 80; // a large logit: exp would overflow without the max
    const probs = new Float32Array(N * C);
    const rowMax = new Float32Array(N);
    const rowSum = new Float32Array(N);
    softmaxRowsWasm(probs, logits, rowMax, rowSum, N, C);
    for (let n = 0; n < N; n++) {
      const row = Array.from(logits.subarray(n * C, (n + 1) * C));
      const max = Math.max(...row);
      const sum = row.reduce((acc, z) => acc + Math.exp(z - max), 0);
      expect(rowMax[n]).toBe(max);
      expect(Math.abs(rowSum[n] - sum) / sum).toBeLessThan(C * 2 * ULP);
      for (let c = 0; c < C; c++) {
        const exact = Math.exp(row[c] - max) / sum;
        // below 2⁻¹²⁶ (a denormal), exp flushes to 0
        expect(Math.abs(probs[n * C + c] - exact)).toBeLessThanOrEqual((C + 4) * ULP * exact + 2 ** -126);
      }
    }
  });
});

describe("softmaxCrossEntropy in float32 (WebAssembly) against float64 (TypeScript)", () => {
  it.each([
    [6, 5],
    [40, 65],
  ])("N = %i rows of C = %i, some ignored (target −1), one with a large logit", (N, C) => {
    const rng = new Rng(N + C);
    const logits = random(N * C, rng, 4);
    logits[C + 1] = 60;
    const targets = Int32Array.from({ length: N }, (_, n) => (n % 5 === 2 ? -1 : rng.int(C)));
    const grad32 = new Float32Array(N * C).fill(9);
    const grad64 = new Float64Array(N * C).fill(9);
    const f32 = softmaxCrossEntropy(grad32, logits, targets, N, C);
    const f64 = softmaxCrossEntropy(grad64, Float64Array.from(logits), targets, N, C);
    expect(f32.count).toBe(f64.count);
    expect(Math.abs(f32.loss - f64.loss) / f64.loss).toBeLessThan(1e-6);
    for (let i = 0; i < N * C; i++) expect(Math.abs(grad32[i] - grad64[i])).toBeLessThan(1e-7);
    expect(grad32[2 * C]).toBe(0); // row 2 is ignored
  });
});
