import { FormatError } from "../errors.js";
import type { ActivationName } from "../kernels/activations.js";
import { type CellKind, directionsOf, type RecurrentConfig, stateWidthOf } from "../model/config.js";
import { type ParamSpec, recurrentParamSpecs } from "../model/param-shapes.js";
import { Params } from "../model/params.js";
import { RecurrentStack } from "../model/stack.js";
import type { Buf, DType } from "../tensor.js";
import { Comparison } from "./compare.js";
import type { RecurrentFixture } from "./schema.js";
import { readTensor, reference, requireKey } from "./tensors.js";

/** The layer options of a fixture: version 2's fields (bidirectional, proj_size, bias), version 1's
 *  defaults when absent. */
export function archToConfig(
  arch: RecurrentFixture["arch"],
  hiddenSize: number,
  layers: number,
  options: { bidirectional?: boolean; proj_size?: number; bias?: boolean } = {},
): RecurrentConfig {
  const cell: CellKind = arch === "gru" ? "gru" : arch === "lstm" ? "lstm" : "rnn";
  const activation: ActivationName = arch === "rnn_relu" ? "relu" : "tanh";
  return {
    cell,
    activation,
    straightThrough: false,
    skip: 0,
    hiddenSize,
    layers,
    bias: options.bias ?? true,
    bidirectional: options.bidirectional ?? false,
    projSize: options.proj_size ?? 0,
  };
}

/** A fixture's flags, for messages: "bidirectional=true, proj_size=0, bias=true". */
function flagsOf(f: RecurrentFixture): string {
  return `bidirectional=${f.bidirectional ?? false}, proj_size=${f.proj_size ?? 0}, bias=${f.bias ?? true}`;
}

/** A shape error in a fixture, named with its flags: the shapes follow from them. */
function withFlags<T>(f: RecurrentFixture, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof FormatError) || f.format_version === undefined) throw error;
    throw new FormatError(`${error.message}, as its flags ${flagsOf(f)} give; fix the flags or the tensor`);
  }
}

/** A recurrent fixture read and checked, in one dtype: its layer's config and sizes (D directions,
 *  P = H_out), its lengths, and every tensor, flat in PyTorch's layouts. */
export interface RecurrentCase {
  config: RecurrentConfig;
  T: number;
  B: number;
  I: number;
  L: number;
  D: number;
  P: number;
  lstm: boolean;
  lengths: Int32Array | null;
  specs: ParamSpec[];
  weights: Buf[];
  stateShape: number[];
  cellShape: number[];
  outputShape: number[];
  x: Buf;
  h0: Buf;
  c0: Buf | undefined;
  outputWeights: Buf;
  hnWeights: Buf;
  cnWeights: Buf | undefined;
}

/** What a run of the fixture's layer computed, in PyTorch's layouts: output [T, B, D·P], h_n and
 *  dL/dh0 [L·D, B, P], c_n and dL/dc0 [L·D, B, H] (lstm), dL/dx [T, B, I], dL/dθ by name. */
export interface RecurrentResult {
  output: ArrayLike<number>;
  hN: ArrayLike<number>;
  cN: ArrayLike<number> | null;
  gradOf: (name: string) => ArrayLike<number>;
  inputGrad: ArrayLike<number>;
  h0Grad: ArrayLike<number>;
  c0Grad: ArrayLike<number> | null;
}

/** Reads every tensor of `f` (checking its shape) before anything the sizes imply is allocated:
 *  what is read is as large as the file, whereas num_layers or hidden_size could claim any size. */
export function readRecurrent(f: RecurrentFixture, dtype: DType): RecurrentCase {
  const { seq_len: T, batch: B, input_size: I, hidden_size: H, num_layers: L } = f;
  const config = archToConfig(f.arch, H, L, f);
  if (config.projSize && (config.cell !== "lstm" || config.projSize >= H)) {
    throw new FormatError(
      `proj_size ${config.projSize} needs arch lstm and proj_size < hidden_size ${H}; fix the flags`,
    );
  }
  const D = directionsOf(config);
  const P = stateWidthOf(config);
  const lstm = config.cell === "lstm";
  const lengths = readLengths(f, T, B);
  const specs = recurrentParamSpecs(config, I);
  const names = new Set(specs.map((spec) => spec.name));
  const read = () => {
    const extra = Object.keys(f.params).find((name) => !names.has(name));
    if (extra !== undefined && f.format_version !== undefined) {
      throw new FormatError(`'params.${extra}' is no parameter of this layer`);
    }
    const stateShape = [L * D, B, P];
    const cellShape = [L * D, B, H];
    return {
      weights: specs.map((spec) =>
        readTensor(requireKey(f.params, spec.name, "params"), spec.shape, dtype, `params.${spec.name}`),
      ),
      stateShape,
      cellShape,
      outputShape: [T, B, D * P],
      x: readTensor(f.x, [T, B, I], dtype, "x"),
      h0: readTensor(f.h0, stateShape, dtype, "h0"),
      c0: lstm ? readTensor(requireKey(f, "c0"), cellShape, dtype, "c0") : undefined,
      outputWeights: readTensor(f.loss_weights_output, [T, B, D * P], dtype, "loss_weights_output"),
      hnWeights: readTensor(f.loss_weights_h_n, stateShape, dtype, "loss_weights_h_n"),
      cnWeights: lstm
        ? readTensor(requireKey(f, "loss_weights_c_n"), cellShape, dtype, "loss_weights_c_n")
        : undefined,
    };
  };
  return { config, T, B, I, L, D, P, lstm, lengths, specs, ...withFlags(f, read) };
}

/** A recurrent layer's forward and backward: loss = Σ output·w_out + Σ h_n·w_hn (+ Σ c_n·w_cn). */
export function runRecurrent(f: RecurrentFixture, dtype: DType, tolerance: number): Comparison {
  const c = readRecurrent(f, dtype);
  const { config, specs, weights, T, B, L, D, P, I } = c;
  const stack = new RecurrentStack(config, I, "", dtype);
  const params = new Params(specs, dtype);
  for (const [i, spec] of specs.entries()) params.set(spec.name, weights[i]);

  const output = stack.forward(params, c.x, T, B, { h: c.h0, c: c.c0 }, c.lengths);
  const final = stack.finalState();
  params.zeroGrad();
  const grads = stack.backward(params, c.outputWeights, { h: c.hnWeights, c: c.cnWeights }, true);
  // dL/dh_0 (dL/dc_0) of each layer and direction is row block t = 0 of its per-step gradients.
  const initialGrad = (perLayer: Buf[], width: number) => {
    const out = new Float64Array(L * D * B * width);
    for (const [k, g] of perLayer.entries()) out.set(g.subarray(0, B * width), k * B * width);
    return out;
  };
  return compareRecurrent(f, c, tolerance, {
    output,
    hN: final.h,
    cN: c.lstm ? final.c : null,
    gradOf: (name) => params.gradOf(name),
    inputGrad: grads.inputGrad as Buf,
    h0Grad: initialGrad(grads.hiddenGrads, P),
    c0Grad: c.lstm ? initialGrad(grads.cellGrads, config.hiddenSize) : null,
  });
}

/** Every quantity of a run of `f` against the fixture's references; the loss from the run's results. */
export function compareRecurrent(
  f: RecurrentFixture,
  c: RecurrentCase,
  tolerance: number,
  r: RecurrentResult,
): Comparison {
  const { T, B, I, stateShape, cellShape, outputShape } = c;
  const loss =
    dotOf(r.output, c.outputWeights) +
    dotOf(r.hN, c.hnWeights) +
    (r.cN && c.cnWeights ? dotOf(r.cN, c.cnWeights) : 0);
  const ref = (nested: unknown, shape: number[], name: string) =>
    withFlags(f, () => reference(nested, shape, name));
  const check = new Comparison(tolerance);
  check.values("output", r.output, ref(f.output, outputShape, "output"));
  check.values("h_n", r.hN, ref(f.h_n, stateShape, "h_n"));
  if (c.lstm) check.values("c_n", r.cN ?? [], ref(requireKey(f, "c_n"), cellShape, "c_n"));
  check.scalar("loss", loss, f.loss);
  for (const spec of c.specs) {
    const expected = ref(requireKey(f.grads, spec.name, "grads"), spec.shape, `grads.${spec.name}`);
    check.values(`grads.${spec.name}`, r.gradOf(spec.name), expected);
  }
  check.values("grads.x", r.inputGrad, ref(requireKey(f.grads, "x", "grads"), [T, B, I], "grads.x"));
  check.values("grads.h0", r.h0Grad, ref(requireKey(f.grads, "h0", "grads"), stateShape, "grads.h0"));
  if (c.lstm) {
    check.values("grads.c0", r.c0Grad ?? [], ref(requireKey(f.grads, "c0", "grads"), cellShape, "grads.c0"));
  }
  return check;
}

function dotOf(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** lengths [B], each 1..T (PyTorch packs no empty sequence), or null. */
function readLengths(f: RecurrentFixture, T: number, B: number): Int32Array | null {
  if (f.lengths === undefined || f.lengths === null) return null;
  if (f.lengths.length !== B || f.lengths.some((n) => n < 1 || n > T)) {
    throw new FormatError(
      `'lengths' is [${f.lengths.join(", ")}], expected ${B} lengths in 1..${T} (batch ${B}, seq_len ${T}); fix the flags`,
    );
  }
  return Int32Array.from(f.lengths);
}
