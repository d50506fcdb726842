import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import type { GpuContext } from "../../src/gpu/context.js";
import {
  encodeBlockNorms,
  encodeColumnSums,
  encodeMaxAbs,
  encodeSum,
  encodeSumOfSquares,
  reduceScratchSize,
} from "../../src/gpu/kernels/reduce.js";
import { maxAbs } from "../../src/kernels/elementwise.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";
import { randomFloats } from "../helpers/gpu-compare.js";

// The f32 tree reductions against float64 sums of the same (f32-rounded) inputs. Tolerance: a
// relative 1e-5 of Σ|term| (for sums of squares and norms, of the result itself), since a signed
// sum can cancel to near zero while its rounding error scales with the terms.
const REL = 1e-5;
/** Where src starts in its buffer, and dst in its own: nonzero, to exercise the offsets. */
const SRC_OFFSET = 3;
const DST_OFFSET = 2;

/** A buffer holding `values` from element `offset`, after `offset` values of 7 (never read). */
function uploadAt(gpu: GpuContext, values: Float32Array, offset: number, label: string): GPUBuffer {
  const data = new Float32Array(offset + values.length + 1).fill(7);
  data.set(values, offset);
  return gpu.upload(data, label);
}

function relativeError(got: number, want: number, scale: number): number {
  return Math.abs(got - want) / Math.max(scale, Number.MIN_VALUE);
}

describe.skipIf(skipGpuTests())("WebGPU reductions", () => {
  it("encodeSum and encodeSumOfSquares(n) match float64 sums", async () => {
    const gpu = await gpuContext();
    const sizes = [0, 1, 255, 256, 257, 100_000, 3_000_001];
    const dst = gpu.upload(new Float32Array(DST_OFFSET + 2 * sizes.length).fill(-1), "dst");
    const plan = gpu.plan("totals");
    const expected: { name: string; want: number; scale: number }[] = [];
    await gpu.checked(() => {
      sizes.forEach((n, s) => {
        const values = Float32Array.from(randomFloats(n, 100 + s));
        const src = { buffer: uploadAt(gpu, values, SRC_OFFSET, "src"), offset: SRC_OFFSET };
        const scratch = gpu.buffer(reduceScratchSize(n), "scratch");
        encodeSum(plan, { n, src, dst: { buffer: dst, offset: DST_OFFSET + 2 * s }, scratch });
        encodeSumOfSquares(plan, { n, src, dst: { buffer: dst, offset: DST_OFFSET + 2 * s + 1 }, scratch });
        let sum = 0;
        let sumAbs = 0;
        let squares = 0;
        for (const x of values) {
          sum += x;
          sumAbs += Math.abs(x);
          squares += x * x;
        }
        expected.push({ name: `sum n=${n}`, want: sum, scale: sumAbs });
        expected.push({ name: `squares n=${n}`, want: squares, scale: squares });
      });
    });
    gpu.run(plan);
    const got = await gpu.read(dst, 2 * sizes.length, DST_OFFSET);
    const errors = expected.map((e, i) => ({
      name: e.name,
      got: got[i],
      error: relativeError(got[i], e.want, e.scale),
    }));
    expect(errors.filter((e) => !(e.error <= REL))).toEqual([]);
    expect(got[0]).toBe(0); // n = 0: dst (filled with -1) is set to the empty sum
  });

  it("encodeMaxAbs(n) is max |x| exactly; NaN anywhere gives NaN, else ±Infinity gives Infinity", async () => {
    const gpu = await gpuContext();
    // [label, values]: sizes around one workgroup and past one first-pass partial, and the extremes
    // in the first, a middle and the last place (one or two passes).
    const big = 1_100_001; // over 1024 partials × 1024: the first pass strides
    const placed = (n: number, at: number, value: number) => {
      const values = Float32Array.from(randomFloats(n, 500 + at));
      values[at] = value;
      return values;
    };
    const inputs: [string, Float32Array][] = [
      ["n=0", new Float32Array(0)],
      ["n=1 negative", Float32Array.of(-0.75)],
      ["-0", Float32Array.of(-0, -0)],
      ...[1, 255, 256, 257, 100_000, big].map((n, s): [string, Float32Array] => [
        `n=${n}`,
        Float32Array.from(randomFloats(n, 400 + s)),
      ]),
      ["-3 last of 1100001", placed(big, big - 1, -3)],
      ["-3e38 first of 100000", placed(100_000, 0, -3e38)],
      ["tiny subnormals", Float32Array.of(1e-45, -3e-45, 2e-45)],
      ["-Infinity in the middle", placed(100_000, 51_234, Number.NEGATIVE_INFINITY)],
      ["NaN in the middle", placed(big, 654_321, Number.NaN)],
      ["NaN and Infinity", Float32Array.of(Number.POSITIVE_INFINITY, 1, Number.NaN, -2)],
      ["NaN last", placed(257, 256, Number.NaN)],
    ];
    const dst = gpu.upload(new Float32Array(DST_OFFSET + inputs.length + 1).fill(-1), "dst");
    const plan = gpu.plan("max abs");
    await gpu.checked(() => {
      inputs.forEach(([, values], s) => {
        const n = values.length;
        const src = { buffer: uploadAt(gpu, values, SRC_OFFSET, "src"), offset: SRC_OFFSET };
        const scratch = gpu.buffer(reduceScratchSize(n), "scratch");
        encodeMaxAbs(plan, { n, src, dst: { buffer: dst, offset: DST_OFFSET + s }, scratch });
      });
    });
    gpu.run(plan);
    const got = await gpu.read(dst, inputs.length + 1, DST_OFFSET);
    const want = inputs.map(([, values]) => maxAbs(values));
    expect(inputs.map(([label], s) => [label, got[s]])).toEqual(inputs.map(([label], s) => [label, want[s]]));
    expect(want.slice(-3)).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    expect(want[0]).toBe(0);
    expect(got[inputs.length]).toBe(-1); // nothing written past the last
  });

  it("encodeColumnSums(rows, cols, accumulate) matches float64 column sums", async () => {
    const gpu = await gpuContext();
    const shapes: [number, number][] = [
      [1, 1],
      [0, 5],
      [7, 1],
      [255, 37],
      [1000, 17],
      [3, 1000],
      [65536, 3],
    ];
    const plan = gpu.plan("column sums");
    const checks: { buffer: GPUBuffer; want: Float64Array; scale: Float64Array }[] = [];
    await gpu.checked(() => {
      shapes.forEach(([rows, cols], s) => {
        for (const accumulate of [false, true]) {
          const values = Float32Array.from(randomFloats(rows * cols, 200 + s));
          const before = Float32Array.from(randomFloats(cols, 300 + s));
          const src = { buffer: uploadAt(gpu, values, SRC_OFFSET, "src"), offset: SRC_OFFSET };
          const buffer = uploadAt(gpu, before, DST_OFFSET, "dst");
          encodeColumnSums(plan, { rows, cols, src, dst: { buffer, offset: DST_OFFSET }, accumulate });
          const want = Float64Array.from(accumulate ? before : new Float32Array(cols));
          const scale = want.map(Math.abs);
          for (let r = 0; r < rows; r++) {
            for (let j = 0; j < cols; j++) {
              want[j] += values[r * cols + j];
              scale[j] += Math.abs(values[r * cols + j]);
            }
          }
          checks.push({ buffer, want, scale });
        }
      });
    });
    gpu.run(plan);
    let worst = 0;
    for (const { buffer, want, scale } of checks) {
      const got = await gpu.read(buffer, DST_OFFSET + want.length + 1);
      expect(got[0]).toBe(7); // untouched before the offset
      expect(got[DST_OFFSET + want.length]).toBe(7); // and after the columns
      want.forEach((w, j) => {
        worst = Math.max(worst, relativeError(got[DST_OFFSET + j], w, scale[j]));
      });
    }
    expect(worst).toBeLessThanOrEqual(REL);
  });

  it("encodeBlockNorms(blocks, blockSize) matches float64 norms", async () => {
    const gpu = await gpuContext();
    const plan = gpu.plan("block norms");
    const checks: { buffer: GPUBuffer; want: Float64Array }[] = [];
    await gpu.checked(() => {
      for (const blocks of [1, 129]) {
        for (const blockSize of [1, 37, 4096]) {
          const values = Float32Array.from(randomFloats(blocks * blockSize, blocks * 10_000 + blockSize));
          const src = { buffer: uploadAt(gpu, values, SRC_OFFSET, "src"), offset: SRC_OFFSET };
          const buffer = gpu.buffer(DST_OFFSET + blocks + 1, "norms");
          encodeBlockNorms(plan, { blocks, blockSize, src, dst: { buffer, offset: DST_OFFSET } });
          const want = new Float64Array(blocks);
          for (let i = 0; i < blocks; i++) {
            let squares = 0;
            for (let j = 0; j < blockSize; j++) squares += values[i * blockSize + j] ** 2;
            want[i] = Math.sqrt(squares);
          }
          checks.push({ buffer, want });
        }
      }
    });
    gpu.run(plan);
    let worst = 0;
    for (const { buffer, want } of checks) {
      const got = await gpu.read(buffer, want.length + 1, DST_OFFSET);
      want.forEach((w, i) => {
        worst = Math.max(worst, relativeError(got[i], w, w));
      });
      expect(got[want.length]).toBe(0); // nothing written past the last block
    }
    expect(worst).toBeLessThanOrEqual(REL);
  });

  it("reduceScratchSize(n) is at least 1, and a smaller scratch throws a ConfigError", async () => {
    const gpu = await gpuContext();
    expect(reduceScratchSize(0)).toBe(1);
    expect(reduceScratchSize(10_000_000)).toBeGreaterThan(1);
    const n = 100_000;
    const src = { buffer: gpu.buffer(n, "src"), offset: 0 };
    const dst = { buffer: gpu.buffer(1, "dst"), offset: 0 };
    const scratch = gpu.buffer(reduceScratchSize(n) - 1, "scratch");
    expect(() => encodeSum(gpu.plan(), { n, src, dst, scratch })).toThrow(ConfigError);
    expect(() => encodeMaxAbs(gpu.plan(), { n, src, dst, scratch })).toThrow(/scratch holds/);
    expect(() => encodeMaxAbs(gpu.plan(), { n, src, dst: src, scratch })).toThrow(/different buffer/);
    expect(() =>
      encodeColumnSums(gpu.plan(), { rows: 1, cols: 1, src, dst: src, accumulate: false }),
    ).toThrow(ConfigError);
  });
});
