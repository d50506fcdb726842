import { describe, expect, it } from "vitest";
import { matmul, matmulReference, matmulTransA, matmulTransB } from "../src/kernels/matmul.js";
import { Rng } from "../src/random.js";
import type { Buf } from "../src/tensor.js";

// Every matmul form against the index-by-index reference, on random shapes including tiny and odd
// ones, with accumulation into a non-zero output.

const shapes = [
  [1, 1, 1],
  [1, 7, 1],
  [3, 1, 5],
  [2, 3, 4],
  [17, 9, 13],
  [33, 64, 31],
];

function random(n: number, rng: Rng, Ctor: Float32ArrayConstructor | Float64ArrayConstructor): Buf {
  const out = new Ctor(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

describe.each([Float64Array, Float32Array])("matmul forms (%s)", (Ctor) => {
  const tolerance = Ctor === Float64Array ? 1e-12 : 1e-5;
  it.each(shapes)("M=%i K=%i N=%i: matmul, matmulTransA, matmulTransB equal matmulReference", (M, K, N) => {
    const rng = new Rng(M * 100 + K * 10 + N);
    const a = random(M * K, rng, Ctor);
    const b = random(K * N, rng, Ctor);
    const start = random(M * N, rng, Ctor);
    const forms: [(out: Buf, a: Buf, b: Buf, M: number, K: number, N: number) => void, boolean, boolean][] = [
      [matmul, false, false],
      [matmulTransA, true, false],
      [matmulTransB, false, true],
    ];
    for (const [form, transA, transB] of forms) {
      const expected = Float64Array.from(start);
      matmulReference(expected, Float64Array.from(a), Float64Array.from(b), M, K, N, transA, transB);
      const out = new Ctor(start);
      form(out, a, b, M, K, N);
      for (let i = 0; i < out.length; i++) {
        expect(Math.abs(out[i] - expected[i])).toBeLessThanOrEqual(
          tolerance * Math.max(1, Math.abs(expected[i])) * K,
        );
      }
    }
  });
});

it("matmulReference(out, a, b) computes a tiny product by hand", () => {
  const out = new Float64Array([10, 0, 0, 0]);
  matmulReference(out, new Float64Array([1, 2, 3, 4]), new Float64Array([5, 6, 7, 8]), 2, 2, 2, false, false);
  expect(Array.from(out)).toEqual([10 + 19, 22, 43, 50]);
});
