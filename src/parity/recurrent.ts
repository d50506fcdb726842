import { FormatError } from "../errors.js";
import type { ActivationName } from "../kernels/activations.js";
import { dot } from "../kernels/elementwise.js";
import { type CellKind, directionsOf, type RecurrentConfig, stateWidthOf } from "../model/config.js";
import { recurrentParamSpecs } from "../model/param-shapes.js";
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

/** A recurrent layer's forward and backward: loss = Σ output·w_out + Σ h_n·w_hn (+ Σ c_n·w_cn). */
export function runRecurrent(f: RecurrentFixture, dtype: DType, tolerance: number): Comparison {
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
  // Every tensor is read (and its shape checked) before anything the sizes imply is allocated: what
  // is read is as large as the file, whereas num_layers or hidden_size could claim any size.
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
  const { weights, stateShape, cellShape, outputShape, x, h0, c0, outputWeights, hnWeights, cnWeights } =
    withFlags(f, read);
  const stack = new RecurrentStack(config, I, "", dtype);
  const params = new Params(specs, dtype);
  for (const [i, spec] of specs.entries()) params.set(spec.name, weights[i]);

  const output = stack.forward(params, x, T, B, { h: h0, c: c0 }, lengths);
  const final = stack.finalState();
  params.zeroGrad();
  const grads = stack.backward(params, outputWeights, { h: hnWeights, c: cnWeights }, true);
  const loss =
    dot(output, outputWeights) + dot(final.h, hnWeights) + (cnWeights ? dot(final.c, cnWeights) : 0);

  const ref = (nested: unknown, shape: number[], name: string) =>
    withFlags(f, () => reference(nested, shape, name));
  const check = new Comparison(tolerance);
  check.values("output", output, ref(f.output, outputShape, "output"));
  check.values("h_n", final.h, ref(f.h_n, stateShape, "h_n"));
  if (lstm) check.values("c_n", final.c, ref(requireKey(f, "c_n"), cellShape, "c_n"));
  check.scalar("loss", loss, f.loss);
  for (const spec of params.specs) {
    const expected = ref(requireKey(f.grads, spec.name, "grads"), spec.shape, `grads.${spec.name}`);
    check.values(`grads.${spec.name}`, params.gradOf(spec.name), expected);
  }
  check.values(
    "grads.x",
    grads.inputGrad as Float64Array,
    ref(requireKey(f.grads, "x", "grads"), [T, B, I], "grads.x"),
  );
  // dL/dh_0 (dL/dc_0) of each layer and direction is row block t = 0 of its per-step gradients.
  const initialGrad = (perLayer: Buf[], width: number) => {
    const out = new Float64Array(L * D * B * width);
    for (const [k, g] of perLayer.entries()) out.set(g.subarray(0, B * width), k * B * width);
    return out;
  };
  check.values(
    "grads.h0",
    initialGrad(grads.hiddenGrads, P),
    ref(requireKey(f.grads, "h0", "grads"), stateShape, "grads.h0"),
  );
  if (lstm) {
    check.values(
      "grads.c0",
      initialGrad(grads.cellGrads, H),
      ref(requireKey(f.grads, "c0", "grads"), cellShape, "grads.c0"),
    );
  }
  return check;
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
