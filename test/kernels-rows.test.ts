import { describe, expect, it } from "vitest";
import { addColumnSums } from "../src/kernels/elementwise.js";
import { wasmPointwiseEnabled } from "../src/kernels/pointwise-wasm.js";
import { scatterAddRowsWasm } from "../src/kernels/rows-wasm.js";
import { Rng } from "../src/random.js";

// The WebAssembly row reductions (assembly/rows.ts) against float32 loops written here: each
// output gets its rows one float32 addition at a time, in order, so the results are equal bit for
// bit, at any width (tails past a multiple of 4), with views at odd offsets.

function random(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** A view of n values starting one float into a larger buffer (not 16-byte aligned). */
function offsetView(values: Float32Array): Float32Array {
  const backing = new Float32Array(values.length + 2).fill(7);
  backing.set(values, 1);
  return backing.subarray(1, values.length + 1);
}

describe("addColumnSums(biasGrad, grad, rows, cols) in float32 (WebAssembly)", () => {
  it.each([
    [0, 5],
    [1, 1],
    [7, 3],
    [33, 65],
    [300, 512],
  ])("rows = %i, cols = %i: equal to the float32 loop bit for bit", (rows, cols) => {
    expect(wasmPointwiseEnabled()).toBe(true);
    const rng = new Rng(rows * 1000 + cols);
    const grad = offsetView(random(rows * cols + 4, rng)); // 4 extra values: must be ignored
    const start = random(cols, rng);
    const expected = Float32Array.from(start);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) expected[c] = Math.fround(expected[c] + grad[r * cols + c]);
    const biasGrad = offsetView(start);
    addColumnSums(biasGrad, grad, rows, cols);
    expect(Array.from(biasGrad)).toEqual(Array.from(expected));
  });
});

describe("scatterAddRowsWasm(s, x, tokens, width)", () => {
  it.each([
    [1, 1, 1],
    [5, 3, 7],
    [65, 512, 200],
  ])("V = %i, width = %i, %i rows: equal to the float32 loop bit for bit", (V, width, count) => {
    const rng = new Rng(V + width + count);
    const tokens = Int32Array.from({ length: count }, (_, n) => (n * 7 + (n >> 2)) % V);
    const x = offsetView(random(count * width, rng));
    const start = random(V * width, rng);
    const expected = Float32Array.from(start);
    for (let n = 0; n < count; n++)
      for (let j = 0; j < width; j++) {
        const q = tokens[n] * width + j;
        expected[q] = Math.fround(expected[q] + x[n * width + j]);
      }
    const s = offsetView(start);
    scatterAddRowsWasm(s, x, tokens, width);
    expect(Array.from(s)).toEqual(Array.from(expected));
  });
});
