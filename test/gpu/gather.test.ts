import { describe, expect, it } from "vitest";
import type { GpuContext } from "../../src/gpu/context.js";
import { encodeGatherRows, encodeScatterAddRows, tokenOrder } from "../../src/gpu/kernels/gather.js";
import { linearBackward, linearForward } from "../../src/kernels/linear.js";
import { matmul, matmulTransA } from "../../src/kernels/matmul.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";
import { randomFloats, worstError } from "../helpers/gpu-compare.js";

// The gathers against the CPU's own products in float64: a gather of rows is onehot(index) · E, a
// gather of columns is linearForward's onehot(index) · W_ihᵀ + b, and the scatters are their weight
// gradients (matmulTransA, linearBackward). Tolerance: |gpu − cpu| ≤ 1e-5·|cpu| + 1e-6 (a gather is
// a copy plus at most one float32 add; a scatter sums a few float32 values).

const REL = 1e-5;
const ABS = 1e-6;

/** Indices in 0..n−1 with repeats, never using n − 1 when n > 1 (an unused table row). */
function indices(rows: number, n: number): Int32Array {
  const used = Math.max(1, n - 1);
  return Int32Array.from({ length: rows }, (_, r) => (r * 5 + (r >> 2)) % used);
}

function oneHot(index: Int32Array, n: number): Float64Array {
  const x = new Float64Array(index.length * n);
  index.forEach((v, r) => {
    x[r * n + v] = 1;
  });
  return x;
}

/** The shapes: [rows, width, n]; one- and prime-sized, and 37·300 = 11100 threads (44 workgroups). */
const SHAPES = [
  [1, 1, 1],
  [5, 3, 7],
  [37, 300, 11],
  [13, 17, 40],
] as const;

async function gatherOnGpu(
  gpu: GpuContext,
  shape: readonly [number, number, number],
  table: Float32Array,
  index: Int32Array,
  bias: Float32Array | null,
  transposed: boolean,
): Promise<Float32Array> {
  const [rows, width, n] = shape;
  // table and bias share one buffer (as parameters do), at offsets 3 and after the table.
  const params = new Float32Array(3 + table.length + width);
  params.set(table, 3);
  if (bias) params.set(bias, 3 + table.length);
  const paramBuffer = gpu.upload(params, "params");
  const dst = gpu.buffer(rows * width + 2, "dst");
  const plan = gpu.plan();
  await gpu.checked(() =>
    encodeGatherRows(plan, {
      rows,
      width,
      n,
      table: { buffer: paramBuffer, offset: 3 },
      index: gpu.upload(index, "index"),
      dst: { buffer: dst, offset: 2 },
      bias: bias ? { buffer: paramBuffer, offset: 3 + table.length } : null,
      transposed,
    }),
  );
  gpu.run(plan);
  return gpu.read(dst, rows * width, 2);
}

async function scatterOnGpu(
  gpu: GpuContext,
  shape: readonly [number, number, number],
  src: Float32Array,
  index: Int32Array,
  grad: Float32Array,
  transposed: boolean,
): Promise<Float32Array> {
  const [rows, width, n] = shape;
  const gradBuffer = gpu.buffer(grad.length + 4, "grad");
  gpu.write(gradBuffer, grad, 4);
  const plan = gpu.plan();
  await gpu.checked(() =>
    encodeScatterAddRows(plan, {
      rows,
      width,
      n,
      src: { buffer: gpu.upload(src, "src"), offset: 0 },
      order: gpu.upload(tokenOrder(index, n), "order"),
      grad: { buffer: gradBuffer, offset: 4 },
      transposed,
    }),
  );
  gpu.run(plan);
  return gpu.read(gradBuffer, grad.length, 4);
}

describe.skipIf(skipGpuTests())("encodeGatherRows / encodeScatterAddRows", () => {
  it("encodeGatherRows(rows, with and without bias) matches onehot · E", async () => {
    const gpu = await gpuContext();
    for (const shape of SHAPES) {
      const [rows, width, n] = shape;
      const table = Float32Array.from(randomFloats(n * width, rows + n, 0.5, "lcg"));
      const bias = Float32Array.from(randomFloats(width, 7, 0.5, "lcg"));
      const index = indices(rows, n);
      for (const withBias of [false, true]) {
        const expected = new Float64Array(rows * width);
        if (withBias) for (let r = 0; r < rows; r++) expected.set(bias, r * width);
        matmul(expected, oneHot(index, n), Float64Array.from(table), rows, n, width);
        const actual = await gatherOnGpu(gpu, shape, table, index, withBias ? bias : null, false);
        expect(worstError(actual, expected, REL, ABS), `${shape}, bias ${withBias}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it("encodeGatherRows(transposed, with and without bias) matches linearForward(onehot, W_ih, b)", async () => {
    const gpu = await gpuContext();
    for (const shape of SHAPES) {
      const [rows, width, n] = shape;
      const weight = Float32Array.from(randomFloats(width * n, rows * n + 1, 0.5, "lcg"));
      const bias = Float32Array.from(randomFloats(width, 11, 0.5, "lcg"));
      const index = indices(rows, n);
      for (const withBias of [false, true]) {
        const expected = new Float64Array(rows * width);
        const b = withBias ? Float64Array.from(bias) : null;
        linearForward(expected, oneHot(index, n), Float64Array.from(weight), b, rows, n, width);
        const actual = await gatherOnGpu(gpu, shape, weight, index, withBias ? bias : null, true);
        expect(worstError(actual, expected, REL, ABS), `${shape}, bias ${withBias}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it("encodeScatterAddRows(rows) adds onehotᵀ · dx into dE, leaving unused rows as they were", async () => {
    const gpu = await gpuContext();
    for (const shape of SHAPES) {
      const [rows, width, n] = shape;
      const src = Float32Array.from(randomFloats(rows * width, 3 * rows + width, 0.5, "lcg"));
      const start = Float32Array.from(randomFloats(n * width, 5 + n, 0.5, "lcg")); // the gradient accumulates into what is there
      const index = indices(rows, n);
      const expected = Float64Array.from(start);
      matmulTransA(expected, oneHot(index, n), Float64Array.from(src), n, rows, width);
      const actual = await scatterOnGpu(gpu, shape, src, index, start, false);
      expect(worstError(actual, expected, REL, ABS), `${shape}`).toBeLessThanOrEqual(1);
      if (n > 1) expect(actual.subarray((n - 1) * width)).toEqual(start.subarray((n - 1) * width));
    }
  });

  it("encodeScatterAddRows(transposed) adds as linearBackward's dW_ih for a one-hot input", async () => {
    const gpu = await gpuContext();
    for (const shape of SHAPES) {
      const [rows, width, n] = shape;
      const src = Float32Array.from(randomFloats(rows * width, 9 * rows + width, 0.5, "lcg"));
      const start = Float32Array.from(randomFloats(width * n, 2 + n, 0.5, "lcg"));
      const index = indices(rows, n);
      const expected = Float64Array.from(start);
      const x = oneHot(index, n);
      linearBackward(
        null,
        expected,
        null,
        Float64Array.from(src),
        x,
        new Float64Array(width * n),
        rows,
        n,
        width,
      );
      const actual = await scatterOnGpu(gpu, shape, src, index, start, true);
      expect(worstError(actual, expected, REL, ABS), `${shape}`).toBeLessThanOrEqual(1);
    }
  });

  it("tokenOrder(index, n) lists each value's rows in increasing order", () => {
    const order = tokenOrder(Int32Array.from([2, 0, 2, 3, 0, 2]), 5);
    // offsets [0, 2, 2, 5, 6, 6], then rows of 0: 1 4; of 2: 0 2 5; of 3: 3; none of 1 and 4.
    expect([...order]).toEqual([0, 2, 2, 5, 6, 6, 1, 4, 0, 2, 5, 3]);
    expect(() => tokenOrder(Int32Array.from([0, 5]), 5)).toThrow(/index 5 at row 1 is outside 0..4/);
    expect(() => tokenOrder(Int32Array.from([-1]), 5)).toThrow(/outside/);
  });
});
