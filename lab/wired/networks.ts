// The seed's hand-wired networks, built from their parameters (so a claim's data can change one
// number), each literally as the seed writes it (CLAIMS.md) and as corrected where the computation
// in lab/q1/ and lab/q5/ shows it wrong.

import { ConfigError } from "../../src/index.js";
import type { WiredActivation, WiredNet } from "./net.js";

// ---------------------------------------------------------------------------------------------------
// Q1: h_t = x_t − h_{t−1}, y = σ(10 h_T)

export interface Q1Params {
  inputWeight: number;
  recurrentWeight: number;
  activation: WiredActivation;
  /** y = σ(outputScale · h_t). */
  outputScale: number;
  h0: number;
}

export const Q1_SEED: Q1Params = {
  inputWeight: 1,
  recurrentWeight: -1,
  activation: "identity",
  outputScale: 10,
  h0: 0,
};

export function q1Network(p: Q1Params, name = "Q1 (seed)"): WiredNet {
  return {
    name,
    description: "a linear recurrence with a sigmoid readout",
    layers: [
      {
        size: 1,
        activation: p.activation,
        inputWeights: [[p.inputWeight]],
        recurrentWeights: [[p.recurrentWeight]],
        bias: [0],
        initial: [p.h0],
        names: ["h"],
      },
    ],
    readout: { weights: [[p.outputScale]], bias: [0], activation: "sigmoid", names: ["y"] },
  };
}

// ---------------------------------------------------------------------------------------------------
// Q5a: h_t = g(w1 x_t + w2 h_{t−1} + b2), y_t = f(w3 h_t + b3), h_0 given

export interface Q5aParams {
  w1: number;
  w2: number;
  b2: number;
  h0: number;
  g: WiredActivation;
  f: WiredActivation;
  w3: number;
  b3: number;
}

/** As the seed writes it: w1 = w2 = 1, b2 = −3/2, h_0 = 1, f = step, w3 = 1, b3 = 0, g(n) = n. */
export const Q5A_SEED: Q5aParams = {
  w1: 1,
  w2: 1,
  b2: -3 / 2,
  h0: 1,
  g: "identity",
  f: "step",
  w3: 1,
  b3: 0,
};

/** Corrected: g = step makes h_t = x_t AND h_{t−1}; then b3 = −1/2, because step(0) = 1 would make
 *  y = step(h_t) equal 1 for h_t = 0 too. */
export const Q5A_CORRECTED: Q5aParams = { ...Q5A_SEED, g: "step", b3: -1 / 2 };

export function q5aNetwork(p: Q5aParams, name = "Q5a (seed)"): WiredNet {
  return {
    name,
    description: "sequence AND: y_t = 1 while every input so far is 1",
    layers: [
      {
        size: 1,
        activation: p.g,
        inputWeights: [[p.w1]],
        recurrentWeights: [[p.w2]],
        bias: [p.b2],
        initial: [p.h0],
        names: ["h"],
      },
    ],
    readout: { weights: [[p.w3]], bias: [p.b3], activation: p.f, names: ["y"] },
    inputNames: ["x"],
  };
}

// ---------------------------------------------------------------------------------------------------
// Q5b: h(t) = step(W m(t) + b); y_t = step(v·h(t) + r y_{t−1} + c) for t >= 2, y_1 = step(v·h(1) + c')

export interface Q5bHidden {
  /** [[w11, w12], [w21, w22]]: row 1 feeds h_1 ("both 0"), row 2 h_2 ("both 1"). */
  W: number[][];
  b: number[];
}

export interface Q5bOutput {
  v: number[];
  r: number;
  /** The bias for t >= 2. */
  c: number;
  /** The bias of y_1, which has no y_0 term (the seed's c'). */
  cFirst: number;
}

/** As the seed writes it: W = [[−1, −1], [1, 1]], b = [3/2, −3/2]. */
export const Q5B_SEED_HIDDEN: Q5bHidden = {
  W: [
    [-1, -1],
    [1, 1],
  ],
  b: [3 / 2, -3 / 2],
};
/** The seed's other reading of h_1: w11 = 1, w12 = −1, b1 = 3/2. */
export const Q5B_SEED_HIDDEN_ALT: Q5bHidden = {
  W: [
    [1, -1],
    [1, 1],
  ],
  b: [3 / 2, -3 / 2],
};
/** Corrected: b1 = 1/2 (any b1 in [0, 1)), so h_1 = step(−m1 − m2 + 1/2) is 1 only for 00. */
export const Q5B_CORRECTED_HIDDEN: Q5bHidden = {
  W: [
    [-1, -1],
    [1, 1],
  ],
  b: [1 / 2, -3 / 2],
};
/** v = [1, 1], r = 1, c = −3/2, c' = −1/2. */
export const Q5B_SEED_OUTPUT: Q5bOutput = { v: [1, 1], r: 1, c: -3 / 2, cFirst: -1 / 2 };

/**
 * The output as one recurrent step unit: y_1's bias c' becomes the initial state y_0 = (c' − c)/r,
 * so that r·y_0 + c = c' (the seed's numbers give y_0 = 1). With r = 0 that needs c' = c.
 */
export function q5bOutputInitial(o: Q5bOutput): number {
  if (o.r === 0) {
    if (o.cFirst !== o.c)
      throw new ConfigError(
        `with r = 0 there is no y_0 term: set y_1's bias c' (${o.cFirst}) equal to c (${o.c})`,
      );
    return 0;
  }
  return (o.cFirst - o.c) / o.r;
}

export function q5bNetwork(hidden: Q5bHidden, output: Q5bOutput, name = "Q5b (seed)"): WiredNet {
  return {
    name,
    description: "two-sequence equality: y_t = 1 while m1 and m2 have agreed at every step",
    layers: [
      {
        size: 2,
        activation: "step",
        inputWeights: hidden.W.map((row) => row.slice()),
        recurrentWeights: [
          [0, 0],
          [0, 0],
        ],
        bias: hidden.b.slice(),
        initial: [0, 0],
        names: ["h1", "h2"],
      },
      {
        size: 1,
        activation: "step",
        inputWeights: [output.v.slice()],
        recurrentWeights: [[output.r]],
        bias: [output.c],
        initial: [q5bOutputInitial(output)],
        names: ["y"],
      },
    ],
    inputNames: ["m1", "m2"],
  };
}
