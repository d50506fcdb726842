import { describe, expect, it } from "vitest";
import type { Cell, CellStep } from "../src/cells/cell.js";
import { createCell } from "../src/cells/index.js";
import type { RecurrentConfig } from "../src/model/config.js";
import { recurrentParamSpecs } from "../src/model/param-shapes.js";
import { Params } from "../src/model/params.js";
import { RecurrentStack } from "../src/model/stack.js";
import { Rng } from "../src/random.js";
import type { Buf } from "../src/tensor.js";
import {
  maxAbsOf,
  numericGradient,
  randomBuffer,
  relativeError,
  weightedStackLoss,
} from "./helpers/gradcheck.js";

// Float64 finite-difference checks of BPTT through a recurrent stack, for the loss
// L = Σ output·W_out + Σ h_T·W_h (+ Σ c_T·W_c): every parameter, the input, the initial state,
// and dL/dh_t (dL/dc_t) at every step and layer.

const T = 5;
const B = 2;
const I = 3;
const H = 3;
const TOLERANCE = 1e-6;

type Case = Omit<RecurrentConfig, "hiddenSize" | "straightThrough"> & { lengths?: number[] };

const cases: Case[] = [];
for (const layers of [1, 2]) {
  for (const activation of ["identity", "tanh", "sigmoid", "relu"] as const) {
    cases.push({ cell: "rnn", activation, skip: 0, layers });
  }
  cases.push({ cell: "rnn", activation: "tanh", skip: 2, layers });
  cases.push({ cell: "rnn", activation: "sigmoid", skip: 3, layers });
  cases.push({ cell: "gru", activation: "tanh", skip: 0, layers });
  cases.push({ cell: "lstm", activation: "tanh", skip: 0, layers });
  cases.push({ cell: "rnn", activation: "tanh", skip: 2, layers, lengths: [T, 2] });
  cases.push({ cell: "gru", activation: "tanh", skip: 0, layers, lengths: [3, T] });
  cases.push({ cell: "lstm", activation: "tanh", skip: 0, layers, lengths: [1, 4] });
}

/** A cell that adds `delta` to h_t[unit] (or c_t[unit], recomputing h_t = o ⊙ tanh(c_t) from the
 *  LSTM's cached o) after step t: the probe for dL/dh_t (dL/dc_t). */
function probedCell(inner: Cell, probe: { step: number; unit: number; delta: number; isC: boolean }): Cell {
  let calls = 0;
  return {
    ...inner,
    forward(s: CellStep) {
      inner.forward(s);
      calls = (calls % T) + 1;
      if (calls !== probe.step || probe.delta === 0) return;
      if (!probe.isC) {
        s.h[probe.unit] += probe.delta;
        return;
      }
      s.c[probe.unit] += probe.delta;
      const b = Math.floor(probe.unit / s.H);
      const j = probe.unit % s.H;
      s.h[probe.unit] = s.cache[b * 5 * s.H + 3 * s.H + j] * Math.tanh(s.c[probe.unit]);
    },
    backward: (s: CellStep) => inner.backward(s),
  };
}

function setup(c: Case, probeLayer = -1) {
  const config: RecurrentConfig = { ...c, hiddenSize: H, straightThrough: false };
  const rng = new Rng(7);
  const probe = { step: 0, unit: 0, delta: 0, isC: false };
  const factory = (cfg: RecurrentConfig, k: number) =>
    k === probeLayer ? probedCell(createCell(cfg), probe) : createCell(cfg);
  const stack = new RecurrentStack(config, I, "", "float64", factory);
  const params = new Params(recurrentParamSpecs(config, I), "float64");
  params.data.set(randomBuffer(params.data.length, () => rng.uniformIn(-0.8, 0.8)));
  const lengths = c.lengths ? Int32Array.from(c.lengths) : null;
  const problem = weightedStackLoss(stack, params, config, { I, T, B }, rng, lengths);
  return { stack, params, ...problem, probe, lengths };
}

const label = (c: Case) =>
  `${c.cell}${c.cell === "rnn" ? `(${c.activation}${c.skip ? `, skip ${c.skip}` : ""})` : ""}, ${c.layers} layer${c.layers > 1 ? "s" : ""}${c.lengths ? `, lengths [${c.lengths}]` : ""}`;

describe.each(cases)("RecurrentStack.backward: %s", (c) => {
  it(`${label(c)}: parameter, input and initial-state gradients match finite differences`, () => {
    const s = setup(c);
    const grads = s.backward();
    const analytic = s.params.grad.slice();
    const inputGrad = (grads.inputGrad as Float64Array).slice();
    const h0Grad = grads.hiddenGrads.map((g) => g.slice(0, B * H));
    const c0Grad = grads.cellGrads.map((g) => g.slice(0, B * H));
    for (const spec of s.params.specs) {
      const numeric = numericGradient(s.loss, s.params.value(spec.name));
      const err = relativeError(analyticSlice(s, analytic, spec.name), numeric);
      expect(err, spec.name).toBeLessThan(TOLERANCE);
    }
    expect(relativeError(inputGrad, numericGradient(s.loss, s.x))).toBeLessThan(TOLERANCE);
    const h0Numeric = numericGradient(s.loss, s.h0);
    h0Grad.forEach((g, k) => {
      expect(relativeError(g, h0Numeric.subarray(k * B * H, (k + 1) * B * H))).toBeLessThan(TOLERANCE);
    });
    if (s.lstm) {
      const c0Numeric = numericGradient(s.loss, s.c0);
      c0Grad.forEach((g, k) => {
        expect(relativeError(g, c0Numeric.subarray(k * B * H, (k + 1) * B * H))).toBeLessThan(TOLERANCE);
      });
    }
    expect(maxAbsOf(analytic)).toBeGreaterThan(1e-3);
  });

  it(`${label(c)}: dL/dh_t${c.cell === "lstm" ? " and dL/dc_t" : ""} at every step and layer match finite differences`, () => {
    for (let layer = 0; layer < c.layers; layer++) {
      const s = setup(c, layer);
      const grads = s.backward();
      const kinds = s.lstm ? [false, true] : [false];
      for (const isC of kinds) {
        const recorded = (isC ? grads.cellGrads : grads.hiddenGrads)[layer].slice();
        const analytic: number[] = [];
        const numeric: number[] = [];
        for (let t = 1; t <= T; t++) {
          for (let unit = 0; unit < B * H; unit++) {
            const b = Math.floor(unit / H);
            if (s.lengths && t > s.lengths[b]) continue; // a padded step's state is a copy, not a cell output
            Object.assign(s.probe, { step: t, unit, isC, delta: 1e-6 });
            const plus = s.loss();
            s.probe.delta = -1e-6;
            const minus = s.loss();
            s.probe.delta = 0;
            numeric.push((plus - minus) / 2e-6);
            analytic.push(recorded[t * B * H + unit]);
          }
        }
        expect(relativeError(analytic, numeric), `layer ${layer} ${isC ? "c" : "h"}`).toBeLessThan(TOLERANCE);
        expect(maxAbsOf(analytic)).toBeGreaterThan(1e-3);
      }
    }
  });
});

function analyticSlice(s: ReturnType<typeof setup>, flat: Buf, name: string): Buf {
  const view = s.params.gradOf(name);
  const offset = view.byteOffset / 8;
  return flat.subarray(offset, offset + view.length);
}
