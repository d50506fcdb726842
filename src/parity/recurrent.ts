import type { ActivationName } from "../kernels/activations.js";
import { dot } from "../kernels/elementwise.js";
import type { CellKind, RecurrentConfig } from "../model/config.js";
import { recurrentParamSpecs } from "../model/param-shapes.js";
import { Params } from "../model/params.js";
import { RecurrentStack } from "../model/stack.js";
import type { Buf, DType } from "../tensor.js";
import { Comparison } from "./compare.js";
import type { RecurrentFixture } from "./schema.js";
import { readTensor, reference, requireKey } from "./tensors.js";

export function archToConfig(
  arch: RecurrentFixture["arch"],
  hiddenSize: number,
  layers: number,
): RecurrentConfig {
  const cell: CellKind = arch === "gru" ? "gru" : arch === "lstm" ? "lstm" : "rnn";
  const activation: ActivationName = arch === "rnn_relu" ? "relu" : "tanh";
  return { cell, activation, straightThrough: false, skip: 0, hiddenSize, layers };
}

/** A recurrent layer's forward and backward: loss = Σ output·w_out + Σ h_n·w_hn (+ Σ c_n·w_cn). */
export function runRecurrent(f: RecurrentFixture, dtype: DType, tolerance: number): Comparison {
  const { seq_len: T, batch: B, input_size: I, hidden_size: H, num_layers: L } = f;
  const config = archToConfig(f.arch, H, L);
  const stack = new RecurrentStack(config, I, "", dtype);
  const params = new Params(recurrentParamSpecs(config, I), dtype);
  for (const spec of params.specs) {
    params.set(
      spec.name,
      readTensor(requireKey(f.params, spec.name, "params"), spec.shape, dtype, `params.${spec.name}`),
    );
  }
  const lstm = config.cell === "lstm";
  const stateShape = [L, B, H];
  const x = readTensor(f.x, [T, B, I], dtype, "x");
  const h0 = readTensor(f.h0, stateShape, dtype, "h0");
  const c0 = lstm ? readTensor(requireKey(f, "c0"), stateShape, dtype, "c0") : undefined;
  const outputWeights = readTensor(f.loss_weights_output, [T, B, H], dtype, "loss_weights_output");
  const hnWeights = readTensor(f.loss_weights_h_n, stateShape, dtype, "loss_weights_h_n");
  const cnWeights = lstm
    ? readTensor(requireKey(f, "loss_weights_c_n"), stateShape, dtype, "loss_weights_c_n")
    : undefined;

  const output = stack.forward(params, x, T, B, { h: h0, c: c0 });
  const final = stack.finalState();
  params.zeroGrad();
  const grads = stack.backward(params, outputWeights, { h: hnWeights, c: cnWeights }, true);
  const loss =
    dot(output, outputWeights) + dot(final.h, hnWeights) + (cnWeights ? dot(final.c, cnWeights) : 0);

  const check = new Comparison(tolerance);
  check.values("output", output, reference(f.output, [T, B, H], "output"));
  check.values("h_n", final.h, reference(f.h_n, stateShape, "h_n"));
  if (lstm) check.values("c_n", final.c, reference(requireKey(f, "c_n"), stateShape, "c_n"));
  check.scalar("loss", loss, f.loss);
  for (const spec of params.specs) {
    const expected = reference(requireKey(f.grads, spec.name, "grads"), spec.shape, `grads.${spec.name}`);
    check.values(`grads.${spec.name}`, params.gradOf(spec.name), expected);
  }
  check.values(
    "grads.x",
    grads.inputGrad as Float64Array,
    reference(requireKey(f.grads, "x", "grads"), [T, B, I], "grads.x"),
  );
  // dL/dh_0 (dL/dc_0) of each layer is row block t = 0 of its per-step gradients.
  const initialGrad = (perLayer: Buf[]) => {
    const out = new Float64Array(L * B * H);
    for (const [k, g] of perLayer.entries()) out.set(g.subarray(0, B * H), k * B * H);
    return out;
  };
  check.values(
    "grads.h0",
    initialGrad(grads.hiddenGrads),
    reference(requireKey(f.grads, "h0", "grads"), stateShape, "grads.h0"),
  );
  if (lstm) {
    check.values(
      "grads.c0",
      initialGrad(grads.cellGrads),
      reference(requireKey(f.grads, "c0", "grads"), stateShape, "grads.c0"),
    );
  }
  return check;
}
