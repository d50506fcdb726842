import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, ShapeError } from "../../src/errors.js";
import type { GpuContext } from "../../src/gpu/context.js";
import {
  GpuStack,
  gpuStackUnsupported,
  type StackResult,
  stackOffsets,
  timeOrder,
} from "../../src/gpu/gpu-stack.js";
import { encodeCopyRows } from "../../src/gpu/kernels/copy-rows.js";
import { directionsOf, type RecurrentConfig, stateWidthOf } from "../../src/model/config.js";
import { recurrentParamSpecs } from "../../src/model/param-shapes.js";
import { Params } from "../../src/model/params.js";
import { RecurrentStack } from "../../src/model/stack.js";
import { Rng } from "../../src/random.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";

// GpuStack against the CPU's RecurrentStack (float64, on the same float32-rounded numbers): padded
// sequences (lengths of 1 and of T among them), bidirectional layers and LSTM projections (h P < H
// wide), every result and gradient.
// Error as the parity check scales it: max|gpu − cpu| / max(1, max|cpu|) ≤ 1e-4 per quantity.
const TOLERANCE = 1e-4;

interface Case {
  name: string;
  config: RecurrentConfig;
  T: number;
  B: number;
  I: number;
  /** null: no lengths (the stack is not padded); "all T": a padded stack run without lengths. */
  lengths: number[] | null | "all T";
}

const layer = (cell: RecurrentConfig["cell"], hiddenSize: number, layers: number, more = {}) => ({
  cell,
  activation: "tanh" as const,
  straightThrough: false,
  skip: 0,
  hiddenSize,
  layers,
  ...more,
});
const cases: Case[] = [
  { name: "rnn, lengths", config: layer("rnn", 5, 1), T: 5, B: 4, I: 3, lengths: [5, 1, 3, 2] },
  { name: "gru L2, lengths", config: layer("gru", 6, 2), T: 4, B: 3, I: 2, lengths: [1, 4, 2] },
  { name: "lstm L2, lengths", config: layer("lstm", 4, 2), T: 6, B: 3, I: 3, lengths: [3, 6, 1] },
  {
    name: "rnn skip 2, lengths",
    config: layer("rnn", 4, 1, { skip: 2 }),
    T: 6,
    B: 3,
    I: 2,
    lengths: [6, 2, 4],
  },
  { name: "lstm, lengths 0 and 1", config: layer("lstm", 3, 1), T: 3, B: 3, I: 2, lengths: [0, 1, 3] },
  { name: "rnn bi", config: layer("rnn", 5, 1, { bidirectional: true }), T: 4, B: 2, I: 3, lengths: null },
  { name: "gru bi L2", config: layer("gru", 4, 2, { bidirectional: true }), T: 5, B: 3, I: 2, lengths: null },
  {
    name: "lstm bi L2, lengths",
    config: layer("lstm", 5, 2, { bidirectional: true }),
    T: 5,
    B: 4,
    I: 3,
    lengths: [2, 5, 1, 4],
  },
  {
    name: "gru bi no bias, lengths",
    config: layer("gru", 3, 1, { bidirectional: true, bias: false }),
    T: 4,
    B: 2,
    I: 2,
    lengths: [4, 1],
  },
  { name: "lstm, padded, no lengths", config: layer("lstm", 4, 1), T: 3, B: 2, I: 2, lengths: "all T" },
  { name: "lstm P3", config: layer("lstm", 6, 1, { projSize: 3 }), T: 5, B: 3, I: 4, lengths: null },
  {
    name: "lstm P2 L2, lengths",
    config: layer("lstm", 5, 2, { projSize: 2 }),
    T: 4,
    B: 3,
    I: 3,
    lengths: [4, 1, 2],
  },
  {
    name: "lstm P2 bi L2 no bias, lengths",
    config: layer("lstm", 5, 2, { projSize: 2, bidirectional: true, bias: false }),
    T: 4,
    B: 3,
    I: 3,
    lengths: [2, 4, 0],
  },
  {
    name: "lstm P3 bi",
    config: layer("lstm", 4, 1, { projSize: 3, bidirectional: true }),
    T: 3,
    B: 2,
    I: 2,
    lengths: null,
  },
];

/** Uniform in [−scale, scale), rounded to float32 so both sides start from the same numbers. */
function random(rng: Rng, n: number, scale = 1): Float64Array {
  return Float64Array.from(Float32Array.from({ length: n }, () => rng.uniformIn(-scale, scale)));
}

interface Data {
  weights: Float64Array;
  x: Float64Array;
  h0: Float64Array;
  c0: Float64Array;
  outputGrad: Float64Array;
  hNGrad: Float64Array;
  cNGrad: Float64Array;
  lengths: Int32Array | null;
}

function dataOf(c: Case, rng: Rng, size: number): Data {
  const { T, B, I, config } = c;
  const D = directionsOf(config);
  const P = stateWidthOf(config);
  const states = config.layers * D * B * P;
  const cells = config.layers * D * B * config.hiddenSize;
  return {
    weights: random(rng, size, 0.6),
    x: random(rng, T * B * I),
    h0: random(rng, states),
    c0: random(rng, cells),
    outputGrad: random(rng, T * B * D * P),
    hNGrad: random(rng, states),
    cNGrad: random(rng, cells),
    lengths: Array.isArray(c.lengths) ? Int32Array.from(c.lengths) : null,
  };
}

/** The CPU stack's results, in GpuStack's layouts. */
function cpuRun(c: Case, d: Data): StackResult {
  const { T, B, I, config } = c;
  const lstm = config.cell === "lstm";
  const params = new Params(recurrentParamSpecs(config, I), "float64");
  params.data.set(d.weights);
  const stack = new RecurrentStack(config, I, "", "float64");
  const initial = { h: d.h0, c: lstm ? d.c0 : undefined };
  const output = stack.forward(params, d.x, T, B, initial, d.lengths);
  const final = stack.finalState();
  params.zeroGrad();
  const finalGrad = { h: d.hNGrad, c: lstm ? d.cNGrad : undefined };
  const grads = stack.backward(params, d.outputGrad, finalGrad, true);
  const firstRows = (perLayer: Float64Array[], width: number) => {
    const block = B * width;
    const out = new Float32Array(perLayer.length * block);
    perLayer.forEach((g, l) => {
      out.set(g.subarray(0, block), l * block);
    });
    return out;
  };
  const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
  return {
    output: f32(output),
    hN: f32(final.h),
    cN: lstm ? f32(final.c) : null,
    grad: f32(params.grad),
    inputGrad: f32(grads.inputGrad as Float64Array),
    h0Grad: firstRows(grads.hiddenGrads as Float64Array[], stateWidthOf(config)),
    c0Grad: lstm ? firstRows(grads.cellGrads as Float64Array[], config.hiddenSize) : null,
  };
}

async function gpuRun(gpu: GpuContext, c: Case, d: Data): Promise<StackResult> {
  const { T, B, I, config } = c;
  const lstm = config.cell === "lstm";
  const params = new Params(recurrentParamSpecs(config, I), "float32");
  params.data.set(d.weights);
  const offsets = stackOffsets(params, config);
  const padded = c.lengths !== null;
  const stack = new GpuStack(gpu, config, offsets, params.data as Float32Array, I, T, B, padded);
  try {
    const f32 = (a: Float64Array) => Float32Array.from(a);
    return await stack.run(
      { x: f32(d.x), h0: f32(d.h0), c0: lstm ? f32(d.c0) : null, lengths: d.lengths },
      { output: f32(d.outputGrad), hN: f32(d.hNGrad), cN: lstm ? f32(d.cNGrad) : null },
    );
  } finally {
    stack.destroy();
  }
}

/** max|a − b| / max(1, max|b|). */
function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff / scale;
}

const fields = ["output", "hN", "cN", "grad", "inputGrad", "h0Grad", "c0Grad"] as const;

describe.skipIf(skipGpuTests())("GpuStack", () => {
  afterAll(async () => (await gpuContext()).destroy());

  it.each(cases.map((c) => [c.name, c] as const))("GpuStack.run(%s) matches RecurrentStack", async (_, c) => {
    const rng = new Rng(11 + cases.indexOf(c));
    const size = recurrentParamSpecs(c.config, c.I).reduce(
      (n, s) => n + s.shape.reduce((a, b) => a * b, 1),
      0,
    );
    const data = dataOf(c, rng, size);
    const cpu = cpuRun(c, data);
    const gpu = await gpuRun(await gpuContext(), c, data);
    for (const field of fields) {
      const want = cpu[field];
      const got = gpu[field];
      if (want === null) {
        expect(got, field).toBeNull();
        continue;
      }
      expect(scaledError(got as Float32Array, want), field).toBeLessThanOrEqual(TOLERANCE);
    }
    // The padded outputs are exactly 0 on both sides.
    if (data.lengths) {
      const width = gpu.output.length / (c.T * c.B);
      const t = c.T - 1;
      const b = data.lengths.findIndex((n) => n <= t);
      if (b >= 0)
        expect(Array.from(gpu.output.subarray((t * c.B + b) * width, (t * c.B + b + 1) * width))).toEqual(
          new Array(width).fill(0),
        );
    }
  });

  it("GpuStack.run(lengths) on a stack made without padding, or out of range, is refused in one line", async () => {
    const gpu = await gpuContext();
    const config = layer("rnn", 2, 1);
    const params = new Params(recurrentParamSpecs(config, 2), "float32");
    const make = (padded: boolean) =>
      new GpuStack(gpu, config, stackOffsets(params, config), params.data as Float32Array, 2, 3, 2, padded);
    const inputs = (lengths: number[]) => ({
      x: new Float32Array(12),
      h0: null,
      c0: null,
      lengths: Int32Array.from(lengths),
    });
    const grads = { output: new Float32Array(12), hN: null, cN: null };
    const plain = make(false);
    await expect(plain.run(inputs([3, 1]), grads)).rejects.toThrow(ConfigError);
    await expect(plain.run(inputs([3, 1]), grads)).rejects.toThrow(/padded = true/);
    plain.destroy();
    const padded = make(true);
    await expect(padded.run(inputs([4, 1]), grads)).rejects.toThrow(ShapeError);
    await expect(padded.run(inputs([4, 1]), grads)).rejects.toThrow(/lengths\[0\] = 4 is outside 0..T/);
    await expect(padded.run(inputs([1]), grads)).rejects.toThrow(/lengths holds 1 values, expected 2/);
    padded.destroy();
  });

  it("encodeCopyRows(gathered, +=) adds src's rows in order's order into a column block", async () => {
    const gpu = await gpuContext();
    const src = gpu.upload(Float32Array.from([1, 2, 3, 4, 5, 6]), "src"); // 3 rows × 2
    const dst = gpu.upload(new Float32Array(9).fill(10), "dst"); // 3 rows × 3, columns 1..2
    const order = gpu.upload(Int32Array.from([2, 0, 1]), "order");
    const plan = gpu.plan();
    await gpu.checked(() =>
      encodeCopyRows(plan, {
        rows: 3,
        width: 2,
        src: { buffer: src, offset: 0 },
        srcWidth: 2,
        dst: { buffer: dst, offset: 1 },
        dstWidth: 3,
        order,
        accumulate: true,
      }),
    );
    gpu.run(plan);
    expect(Array.from(await gpu.read(dst, 9))).toEqual([10, 15, 16, 10, 11, 12, 10, 13, 14]);
    plan.destroy();
    for (const b of [src, dst, order]) b.destroy();
  });
});

describe("timeOrder, gpuStackUnsupported", () => {
  it("timeOrder(lengths, T, B) reverses each row within its length and keeps padded steps", () => {
    // B = 2: row 0 of length 3, row 1 of length 1, T = 4; entry t·B + b.
    expect(Array.from(timeOrder(Int32Array.from([3, 1]), 4, 2))).toEqual([4, 1, 2, 3, 0, 5, 6, 7]);
    expect(Array.from(timeOrder(null, 3, 1))).toEqual([2, 1, 0]);
  });

  it("gpuStackUnsupported(config) refuses nothing to GpuStack; without the options, both directions and projections", () => {
    const lstm = layer("lstm", 4, 1);
    const both = { ...lstm, bidirectional: true, projSize: 2 };
    expect(gpuStackUnsupported(both, { bidirectional: true, projection: true })).toBeNull();
    expect(gpuStackUnsupported({ ...lstm, bidirectional: true })).toMatch(/bidirectional layers/);
    expect(gpuStackUnsupported({ ...lstm, projSize: 2 })).toMatch(/LSTM projections/);
    expect(gpuStackUnsupported(lstm)).toBeNull();
  });
});
