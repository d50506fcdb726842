import { afterAll, describe, expect, it } from "vitest";
import type { Cell, CellStep } from "../../src/cells/cell.js";
import { gruCell } from "../../src/cells/gru.js";
import { lstmCell } from "../../src/cells/lstm.js";
import { rnnCell } from "../../src/cells/rnn.js";
import type { GpuContext } from "../../src/gpu/context.js";
import {
  type CellStepBuffers,
  type CellStepSpec,
  cacheWidthOf,
  encodeCellBackward,
  encodeCellForward,
  encodeCellForwardTiled,
  gatesOf,
} from "../../src/gpu/kernels/cell-steps.js";
import { ConfigError } from "../../src/errors.js";
import type { ActivationName } from "../../src/kernels/activations.js";
import { Rng } from "../../src/random.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";
import { worstError } from "../helpers/gpu-compare.js";

// The GPU's forward T steps then backward T..0 against the CPU cells run in float64 on the same
// (float32-rounded) inputs, with the hidden part and its gradients formed as RecurrentLayer does.
// Tolerance: |gpu − cpu| ≤ ABS + REL·|cpu| for every element, float32 against float64.
const REL = 1e-4;
const ABS = 1e-5;

interface Variant {
  cell: "rnn" | "gru" | "lstm";
  activation: ActivationName;
  straightThrough: boolean;
  skip: number;
}

interface Inputs {
  params: Float64Array;
  inputProj: Float64Array;
  h0: Float64Array;
  c0: Float64Array;
  outputGrad: Float64Array;
}

interface Results {
  states: Float64Array;
  cells: Float64Array;
  cache: Float64Array;
  hiddenGrads: Float64Array;
  inputPartGrad: Float64Array;
  hiddenPartGrad: Float64Array;
  cellGrad: Float64Array;
}

function cpuCell(v: Variant): Cell {
  if (v.cell === "gru") return gruCell();
  if (v.cell === "lstm") return lstmCell();
  return rnnCell(v.activation, v.straightThrough);
}

/** params = [pad 3 | W_hh (G·H×H) | b_hh (G·H) | M (H×H)]: nonzero offsets, as in a flat buffer. */
function specOf(v: Variant, B: number, H: number, bias: boolean): CellStepSpec {
  const GH = gatesOf(v.cell) * H;
  const weightHh = 3;
  return {
    ...v,
    B,
    H,
    weightHh,
    biasHh: bias ? weightHh + GH * H : null,
    weightSkip: v.skip > 0 ? weightHh + GH * H + GH : null,
  };
}

/** Uniform in [−scale, scale), rounded to float32 so both sides start from the same numbers. */
function random(rng: Rng, n: number, scale: number): Float64Array {
  return Float64Array.from(Float32Array.from({ length: n }, () => rng.uniformIn(-scale, scale)));
}

function randomInputs(rng: Rng, spec: CellStepSpec, T: number): Inputs {
  const { B, H } = spec;
  const GH = gatesOf(spec.cell) * H;
  return {
    params: random(rng, 3 + GH * H + GH + H * H, 1.5 / Math.sqrt(H)),
    inputProj: random(rng, T * B * GH, 1),
    h0: random(rng, B * H, 1),
    c0: random(rng, B * H, 1),
    outputGrad: random(rng, T * B * H, 1),
  };
}

/** out[b,r] += Σ_i A[b,i]·W[r,i] for A [B×H] at `a`, W [R×H] at `w`: x·Wᵀ, the hidden part. */
function addTimesWT(
  out: Float64Array,
  A: Float64Array,
  a: number,
  W: Float64Array,
  w: number,
  B: number,
  R: number,
  H: number,
) {
  for (let b = 0; b < B; b++)
    for (let r = 0; r < R; r++)
      for (let i = 0; i < H; i++) out[b * R + r] += A[a + b * H + i] * W[w + r * H + i];
}

/** out[o + b·H + i] += Σ_r D[b,r]·W[r,i] for D [B×R]: dA·W, the gradient to h. */
function addTimesW(
  out: Float64Array,
  o: number,
  D: Float64Array,
  W: Float64Array,
  w: number,
  B: number,
  R: number,
  H: number,
) {
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++)
      for (let r = 0; r < R; r++) out[o + b * H + i] += D[b * R + r] * W[w + r * H + i];
}

/** Forward t = 1..T and backward t = T..1 in float64 with the CPU cell, as RecurrentLayer does. */
function cpuReference(v: Variant, spec: CellStepSpec, T: number, x: Inputs): Results {
  const cell = cpuCell(v);
  const { B, H } = spec;
  const GH = cell.gates * H;
  const BH = B * H;
  const CW = cell.cacheWidth * H;
  const p = x.params;
  const states = new Float64Array((T + 1) * BH);
  const cells = new Float64Array((T + 1) * BH);
  states.set(x.h0);
  cells.set(x.c0);
  const cache = new Float64Array(T * B * CW);
  const hiddenGrads = new Float64Array((T + 1) * BH);
  hiddenGrads.set(x.outputGrad, BH);
  const cellGrads = new Float64Array((T + 1) * BH);
  const inputPartGrad = new Float64Array(T * B * GH);
  const hiddenPartGrad = new Float64Array(T * B * GH);
  const at = (buf: Float64Array, s: number, width: number) => buf.subarray(s * width, (s + 1) * width);
  const stepAt = (t: number): CellStep => ({
    B,
    H,
    inputPart: at(x.inputProj, t - 1, B * GH),
    hiddenPart: new Float64Array(B * GH),
    hPrev: at(states, t - 1, BH),
    cPrev: at(cells, t - 1, BH),
    h: at(states, t, BH),
    c: at(cells, t, BH),
    cache: at(cache, t - 1, B * CW),
    hGrad: at(hiddenGrads, t, BH),
    cGrad: at(cellGrads, t, BH),
    inputPartGrad: at(inputPartGrad, t - 1, B * GH),
    hiddenPartGrad: at(hiddenPartGrad, t - 1, B * GH),
    hPrevGrad: at(hiddenGrads, t - 1, BH),
    cPrevGrad: at(cellGrads, t - 1, BH),
  });
  for (let t = 1; t <= T; t++) {
    const s = stepAt(t);
    // hiddenPart = b_hh + h_{t−1} W_hhᵀ (+ h_{t−k} Mᵀ when t ≥ k)
    for (let b = 0; b < B; b++)
      for (let r = 0; r < GH; r++) s.hiddenPart[b * GH + r] = spec.biasHh === null ? 0 : p[spec.biasHh + r];
    addTimesWT(s.hiddenPart as Float64Array, states, (t - 1) * BH, p, spec.weightHh, B, GH, H);
    if (v.skip > 0 && t >= v.skip)
      addTimesWT(
        s.hiddenPart as Float64Array,
        states,
        (t - v.skip) * BH,
        p,
        spec.weightSkip as number,
        B,
        H,
        H,
      );
    cell.forward(s);
  }
  for (let t = T; t >= 1; t--) {
    const s = stepAt(t);
    cell.backward(s);
    // dh_{t−1} += dA_t W_hh;  dh_{t−k} += dA_t M
    addTimesW(hiddenGrads, (t - 1) * BH, s.hiddenPartGrad as Float64Array, p, spec.weightHh, B, GH, H);
    if (v.skip > 0 && t >= v.skip)
      addTimesW(
        hiddenGrads,
        (t - v.skip) * BH,
        s.hiddenPartGrad as Float64Array,
        p,
        spec.weightSkip as number,
        B,
        H,
        H,
      );
  }
  const cellGrad = cellGrads.slice(0, BH); // dL/dc_0: what the GPU's cellGrad holds after t = 0
  return { states, cells, cache, hiddenGrads, inputPartGrad, hiddenPartGrad, cellGrad };
}

/** shared: one buffer for inputPartGrad and hiddenPartGrad, as the layer passes for rnn and lstm. */
async function gpuRun(
  gpu: GpuContext,
  forward: typeof encodeCellForward,
  spec: CellStepSpec,
  shared: boolean,
  T: number,
  x: Inputs,
): Promise<Results> {
  const { B, H } = spec;
  const GH = gatesOf(spec.cell) * H;
  const BH = B * H;
  const f32 = (a: Float64Array) => Float32Array.from(a);
  const states = gpu.buffer((T + 1) * BH, "states");
  gpu.write(states, f32(x.h0));
  const lstm = spec.cell === "lstm";
  const cells = lstm ? gpu.buffer((T + 1) * BH, "cells") : null;
  if (cells) gpu.write(cells, f32(x.c0));
  const inputPartGrad = gpu.buffer(T * B * GH, "inputPartGrad");
  const bufs: CellStepBuffers = {
    params: gpu.upload(f32(x.params), "params"),
    inputProj: gpu.upload(f32(x.inputProj), "inputProj"),
    states,
    cells,
    cache: gpu.buffer(T * B * cacheWidthOf(spec.cell) * H, "cache"),
    outputGrad: gpu.upload(f32(x.outputGrad), "outputGrad"),
    hiddenGrads: gpu.buffer((T + 1) * BH, "hiddenGrads"),
    inputPartGrad,
    hiddenPartGrad: shared ? inputPartGrad : gpu.buffer(T * B * GH, "hiddenPartGrad"),
    cellGrad: lstm ? gpu.buffer(BH, "cellGrad") : null,
  };
  const plan = gpu.plan("cell steps");
  await gpu.checked(() => {
    for (let t = 1; t <= T; t++) forward(plan, spec, bufs, t, T);
    for (let t = T; t >= 0; t--) encodeCellBackward(plan, spec, bufs, t, T);
  });
  gpu.run(plan);
  const read = async (buf: GPUBuffer | null, n: number) =>
    Float64Array.from(buf ? await gpu.read(buf, n) : []);
  const results = {
    states: await read(bufs.states, (T + 1) * BH),
    cells: await read(bufs.cells, (T + 1) * BH),
    cache: await read(bufs.cache, T * B * cacheWidthOf(spec.cell) * H),
    hiddenGrads: await read(bufs.hiddenGrads, (T + 1) * BH),
    inputPartGrad: await read(bufs.inputPartGrad, T * B * GH),
    hiddenPartGrad: await read(bufs.hiddenPartGrad, T * B * GH),
    cellGrad: await read(bufs.cellGrad, BH),
  };
  plan.destroy();
  for (const buf of new Set(Object.values(bufs))) buf?.destroy();
  return results;
}

const rnn = (activation: ActivationName, straightThrough = false, skip = 0): Variant => ({
  cell: "rnn",
  activation,
  straightThrough,
  skip,
});
const variants: [string, Variant][] = [
  ["rnn identity", rnn("identity")],
  ["rnn tanh", rnn("tanh")],
  ["rnn sigmoid", rnn("sigmoid")],
  ["rnn relu", rnn("relu")],
  ["rnn step", rnn("step")],
  ["rnn step straight-through", rnn("step", true)],
  ["rnn tanh skip 2", rnn("tanh", false, 2)],
  ["rnn tanh skip 3", rnn("tanh", false, 3)],
  ["gru", { cell: "gru", activation: "tanh", straightThrough: false, skip: 0 }],
  ["lstm", { cell: "lstm", activation: "tanh", straightThrough: false, skip: 0 }],
];
/** [B, H, T]: each of B = 1, 3, 5, H = 1, 7, 33, T = 1, 4; 5·33 threads span three workgroups. */
const shapes: [number, number, number][] = [
  [6, 70, 2], // the tiled forward: 2×2 workgroups, H not a multiple of the 8 columns staged at once
  [1, 1, 1],
  [3, 7, 4],
  [5, 33, 4],
  [1, 33, 1],
  [5, 1, 4],
  [3, 7, 1],
  [1, 7, 4],
];
/** The tiled kernel is slow on SwiftShader (barriers): fewer shapes, the multi-tile one first. */
const tiledShapes = shapes.slice(0, 3);
const tiledVariants = new Set([
  "rnn tanh, true",
  "rnn tanh, false",
  "rnn tanh skip 3, false",
  "gru, true",
  "lstm, false",
]);
const forwards: [string, typeof encodeCellForward][] = [
  ["encodeCellForward", encodeCellForward],
  ["encodeCellForwardTiled", encodeCellForwardTiled],
];
const fields = ["states", "cache", "hiddenGrads", "inputPartGrad", "hiddenPartGrad"] as const;
const lstmFields = ["cells", "cellGrad"] as const;

describe.skipIf(skipGpuTests())("encodeCellForward, encodeCellBackward", () => {
  let worstSeen = 0;

  for (const [forwardName, forward] of forwards) {
    for (const [name, v] of variants) {
      for (const bias of [true, false]) {
        // The tiled kernel runs the same cell bodies: one variant per cell (its compile is slow).
        if (forward === encodeCellForwardTiled && !tiledVariants.has(`${name}, ${bias}`)) continue;
        it(`${forwardName}/encodeCellBackward(${name}, ${bias ? "bias" : "no bias"}) match the CPU cell`, async () => {
          const gpu = await gpuContext();
          const rng = new Rng(7 + variants.findIndex(([n]) => n === name) * 2 + Number(bias));
          for (const [B, H, T] of forward === encodeCellForward ? shapes : tiledShapes) {
            // rnn and lstm: one part-gradient buffer, except for one rnn variant that checks two.
            const shared = v.cell !== "gru" && !(name === "rnn tanh" && !bias);
            const spec = specOf(v, B, H, bias);
            const inputs = randomInputs(rng, spec, T);
            const cpu = cpuReference(v, spec, T, inputs);
            const got = await gpuRun(gpu, forward, spec, shared, T, inputs);
            for (const field of v.cell === "lstm" ? [...fields, ...lstmFields] : fields) {
              const ratio = worstError(got[field], cpu[field], REL, ABS);
              worstSeen = Math.max(worstSeen, ratio);
              expect(ratio, `${field} at B=${B} H=${H} T=${T}`).toBeLessThanOrEqual(1);
            }
          }
        });
      }
    }
  }

  afterAll(() => {
    process.stderr.write(
      `cell steps: worst |gpu − cpu| / (${ABS} + ${REL}·|cpu|) = ${worstSeen.toFixed(3)}\n`,
    );
  });

  it("encodeCellForward/encodeCellBackward reject a GRU with one part-gradient buffer, a skip without M, a bad step, a bad projection", async () => {
    const gpu = await gpuContext();
    const gru = specOf(variants[8][1], 2, 3, true);
    const one = gpu.buffer(1, "one");
    const bufs: CellStepBuffers = {
      params: one,
      inputProj: one,
      states: one,
      cells: null,
      cache: one,
      outputGrad: one,
      hiddenGrads: one,
      inputPartGrad: one,
      hiddenPartGrad: one,
      cellGrad: null,
    };
    const plan = gpu.plan();
    expect(() => encodeCellBackward(plan, gru, bufs, 1, 2)).toThrow(ConfigError);
    const rnnSkip = { ...specOf(variants[6][1], 2, 3, true), weightSkip: null };
    expect(() => encodeCellForward(plan, rnnSkip, bufs, 1, 2)).toThrow(/weightSkip/);
    const tanh = specOf(variants[1][1], 2, 3, true);
    expect(() => encodeCellForward(plan, tanh, bufs, 0, 2)).toThrow(/outside 1..2/);
    expect(() => encodeCellBackward(plan, tanh, bufs, 3, 2)).toThrow(/outside 0..2/);
    expect(() => encodeCellForward(plan, tanh, { ...bufs, lengths: one }, 1, 2)).toThrow(/maskedOutputs/);
    // Projections: an LSTM with W_hr and hTilde, P < H, and only the plain (untiled) forward.
    const lstm = { cell: "lstm" as const, activation: "tanh" as const, straightThrough: false, skip: 0 };
    const lstmBufs = { ...bufs, cells: one, cellGrad: one };
    const projected = { ...specOf(lstm, 2, 3, true), projSize: 2, weightHr: 0 };
    expect(() => encodeCellForward(plan, { ...projected, projSize: 3 }, lstmBufs, 1, 2)).toThrow(
      /projSize 3, not 0 or 1..H−1/,
    );
    expect(() => encodeCellBackward(plan, projected, lstmBufs, 1, 2)).toThrow(/needs .*hTilde/);
    const withTilde = { ...lstmBufs, hTilde: one };
    expect(() => encodeCellForwardTiled(plan, projected, withTilde, 1, 2)).toThrow(/no LSTM projection/);
    expect(plan.length).toBe(0);
    one.destroy();
  });
});

/** The padded forward of `forward` over T steps: states, cells and maskedOutputs read back. */
async function paddedForward(
  gpu: GpuContext,
  forward: typeof encodeCellForward,
  spec: CellStepSpec,
  T: number,
  x: Inputs,
  lengths: Int32Array,
): Promise<Float32Array[]> {
  const { B, H } = spec;
  const BH = B * H;
  const f32 = (a: Float64Array) => Float32Array.from(a);
  const lstm = spec.cell === "lstm";
  const states = gpu.buffer((T + 1) * BH, "states");
  gpu.write(states, f32(x.h0));
  const cells = lstm ? gpu.buffer((T + 1) * BH, "cells") : null;
  if (cells) gpu.write(cells, f32(x.c0));
  const unused = gpu.buffer(1, "unused");
  const bufs: CellStepBuffers = {
    params: gpu.upload(f32(x.params), "params"),
    inputProj: gpu.upload(f32(x.inputProj), "inputProj"),
    states,
    cells,
    cache: gpu.buffer(T * B * cacheWidthOf(spec.cell) * H, "cache"),
    outputGrad: unused,
    hiddenGrads: unused,
    inputPartGrad: unused,
    hiddenPartGrad: gpu.buffer(1, "unused too"), // a GRU checks for two
    cellGrad: lstm ? gpu.buffer(1, "unused cell grad") : null,
    lengths: gpu.upload(lengths, "lengths"),
    maskedOutputs: gpu.buffer(T * BH, "maskedOutputs"),
  };
  const plan = gpu.plan("padded forward");
  await gpu.checked(() => {
    for (let t = 1; t <= T; t++) forward(plan, spec, bufs, t, T);
  });
  gpu.run(plan);
  const out = [
    await gpu.read(states, (T + 1) * BH),
    cells ? await gpu.read(cells, (T + 1) * BH) : new Float32Array(0),
    await gpu.read(bufs.maskedOutputs as GPUBuffer, T * BH),
  ];
  plan.destroy();
  for (const buf of new Set(Object.values(bufs))) buf?.destroy();
  return out;
}

describe.skipIf(skipGpuTests())("encodeCellForward with lengths", () => {
  // The padded steps against the CPU stack: test/gpu/gpu-stack.test.ts. Here: the tiled kernel's
  // padded variant against the plain one's, and what a carried row holds.
  it.each([variants[1], variants[8], variants[9]])(
    "encodeCellForwardTiled(%s, lengths) writes what encodeCellForward does",
    async (_, v) => {
      const gpu = await gpuContext();
      const [B, H, T] = [6, 70, 3];
      const spec = specOf(v, B, H, true);
      const inputs = randomInputs(new Rng(5), spec, T);
      const lengths = Int32Array.from([3, 1, 0, 2, 3, 1]);
      const plain = await paddedForward(gpu, encodeCellForward, spec, T, inputs, lengths);
      const tiled = await paddedForward(gpu, encodeCellForwardTiled, spec, T, inputs, lengths);
      for (const [i, name] of ["states", "cells", "maskedOutputs"].entries()) {
        expect(
          worstError(Float64Array.from(tiled[i]), Float64Array.from(plain[i]), REL, ABS),
          name,
        ).toBeLessThanOrEqual(1);
      }
      // Row 1 (length 1): h_3 = h_2 = h_1, and its outputs at steps 2, 3 are 0; row 2 keeps h_0.
      const [states, , outputs] = plain;
      const rowOf = (buf: Float32Array, s: number, b: number) =>
        Array.from(buf.subarray((s * B + b) * H, (s * B + b + 1) * H));
      expect(rowOf(states, 3, 1)).toEqual(rowOf(states, 1, 1));
      expect(rowOf(states, 3, 2)).toEqual(rowOf(Float32Array.from(inputs.h0), 0, 2));
      expect(rowOf(outputs, 2, 1)).toEqual(new Array(H).fill(0));
      expect(rowOf(outputs, 0, 1)).toEqual(rowOf(states, 1, 1));
      expect(rowOf(outputs, 0, 1).some((value) => value !== 0)).toBe(true);
    },
  );
});
