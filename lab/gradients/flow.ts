// The gradient's flow back through time in a vanilla RNN, measured with the library's own BPTT:
// a SequenceModel (dense input, cell rnn, float64) whose loss reads only the last step, so that
// dL/dh_t for t < T is exactly dL/dh_T carried back through the step Jacobians (nothing is added on
// the way). hiddenGrads[0] gives dL/dh_t for t = 0..T, the states come from the stack, and the
// pre-activations z_t are recomputed from them.

import { type ActivationName, SequenceModel } from "../../src/index.js";
import { norm2 } from "./linalg.js";

/** A one-layer RNN  z_t = U x_t + W h_{t−1} + b (+ M h_{t−k}),  h_t = act(z_t),  y_t = V h_t + c. */
export interface RnnSpec {
  H: number;
  I: number;
  O: number;
  activation: ActivationName;
  /** [H×H] row-major (weight_hh). */
  W: Float64Array;
  /** [H×I] (weight_ih). */
  U: Float64Array;
  /** [H] (bias_hh; bias_ih is 0). */
  b: Float64Array;
  /** Skip connection: delay k >= 2 and M [H×H], or none. */
  skip?: { k: number; M: Float64Array } | null;
  /** [O×H] readout and [O] bias. */
  V: Float64Array;
  c: Float64Array;
}

/** B sequences of T steps through one net: x [T·B×I] time-major, h0 [B×H], target [B×O] at step T. */
export interface FlowInput {
  T: number;
  B: number;
  x: Float64Array;
  h0: Float64Array;
  target: Float64Array;
}

export interface Flow {
  T: number;
  B: number;
  H: number;
  /** dL/dh_t, [(T+1)·B×H], row t·B + b (copied out of the model). */
  grads: Float64Array;
  /** h_t, [(T+1)·B×H]. */
  states: Float64Array;
  /** z_t, [(T+1)·B×H] (row block 0 unused). */
  pre: Float64Array;
  loss: number;
}

/** Builds the library model holding `spec`'s weights. */
export function buildModel(spec: RnnSpec): SequenceModel {
  const model = new SequenceModel({
    cell: "rnn",
    activation: spec.activation,
    straightThrough: false,
    skip: spec.skip ? spec.skip.k : 0,
    hiddenSize: spec.H,
    layers: 1,
    input: { kind: "dense", size: spec.I },
    outputSize: spec.O,
    loss: "mse",
    dtype: "float64",
  });
  const p = model.params;
  p.set("rnn.weight_hh_l0", spec.W);
  p.set("rnn.weight_ih_l0", spec.U);
  p.set("rnn.bias_hh_l0", spec.b);
  p.set("rnn.bias_ih_l0", new Float64Array(spec.H));
  if (spec.skip) p.set("rnn.weight_skip_l0", spec.skip.M);
  p.set("linear.weight", spec.V);
  p.set("linear.bias", spec.c);
  return model;
}

/** Runs forward and BPTT with the mse loss at step T only; returns dL/dh_t, h_t and z_t. */
export function gradientFlow(spec: RnnSpec, input: FlowInput): Flow {
  const { T, B } = input;
  const { H, O } = spec;
  const model = buildModel(spec);
  const values = new Float64Array(T * B * O);
  values.set(input.target, (T - 1) * B * O);
  const mask = new Uint8Array(T * B);
  mask.fill(1, (T - 1) * B, T * B);
  const step = model.lossAndGrad(
    { T, B, inputs: input.x },
    { values, mask },
    { h: input.h0, c: new Float64Array(0) },
  );
  const grads = Float64Array.from(step.hiddenGrads[0]);
  const states = Float64Array.from(model.stack.hiddenStates(0));
  const pre = preActivations(spec, input, states);
  return { T, B, H, grads, states, pre, loss: step.loss };
}

/** z_t = U x_t + W h_{t−1} + b (+ M h_{t−k} when t − k >= 0), from the states of a forward. */
export function preActivations(spec: RnnSpec, input: FlowInput, states: Float64Array): Float64Array {
  const { T, B } = input;
  const { H, I, W, U, b } = spec;
  const pre = new Float64Array((T + 1) * B * H);
  for (let t = 1; t <= T; t++) {
    for (let r = 0; r < B; r++) {
      const prev = ((t - 1) * B + r) * H;
      const xRow = ((t - 1) * B + r) * I;
      const skipRow = spec.skip && t - spec.skip.k >= 0 ? ((t - spec.skip.k) * B + r) * H : -1;
      for (let i = 0; i < H; i++) {
        let z = b[i];
        for (let j = 0; j < I; j++) z += U[i * I + j] * input.x[xRow + j];
        for (let j = 0; j < H; j++) z += W[i * H + j] * states[prev + j];
        if (skipRow >= 0 && spec.skip) {
          for (let j = 0; j < H; j++) z += spec.skip.M[i * H + j] * states[skipRow + j];
        }
        pre[(t * B + r) * H + i] = z;
      }
    }
  }
  return pre;
}

/** Row (t, b) of a [(T+1)·B×H] buffer. */
export function rowOf(buf: Float64Array, t: number, b: number, B: number, H: number): Float64Array {
  return buf.subarray((t * B + b) * H, (t * B + b + 1) * H);
}

/** ‖dL/dh_{T−d}‖ / ‖dL/dh_T‖ for d = 0..T, for sequence b: the gradient's size d steps back. */
export function ratioByDistance(flow: Flow, b: number): Float64Array {
  const { T, B, H } = flow;
  const out = new Float64Array(T + 1);
  const end = norm2(rowOf(flow.grads, T, b, B, H));
  for (let d = 0; d <= T; d++) out[d] = norm2(rowOf(flow.grads, T - d, b, B, H)) / end;
  return out;
}
