// Random sigmoid RNNs for the Q3 measurements, in three families:
// - "driven": bias uniform in [−1, 1], one input channel x_t ~ N(0, 1) with U ~ N(0, 1): a typical net;
// - "centred": b = −W·(½·1) and no input, so z = W(h − ½): the network stays around σ's steepest
//   point as long as its own dynamics lets it (the least saturated autonomous net);
// - "held at z = 0": W = s·P (P a signed permutation), b = −W·(½·1), h_0 = ½·1, no input, so z_t = 0
//   exactly at every step and every σ' is 1/4: the case that attains the bound (|W|/4)^T exactly.

import type { Rng } from "../../src/index.js";
import type { FlowInput, RnnSpec } from "./flow.js";
import { matVec, randomMatrixWithNorm, signedPermutation } from "./linalg.js";

export type NetFamily = "driven" | "centred" | "held";

export const NET_FAMILIES: readonly NetFamily[] = ["driven", "centred", "held"];

export interface SampledNet {
  family: NetFamily;
  spec: RnnSpec;
  input: FlowInput;
}

const READOUT = 2;

/** One net of `family` with hidden size H and ‖W‖₂ = norm, and one input sequence of T steps. */
export function sampleNet(
  rng: Rng,
  family: NetFamily,
  H: number,
  norm: number,
  T: number,
  skip: { k: number; norm: number } | null = null,
): SampledNet {
  const W = family === "held" ? signedPermutation(rng, H, norm) : randomMatrixWithNorm(rng, H, norm);
  const M = skip ? randomMatrixWithNorm(rng, H, skip.norm) : null;
  const I = 1;
  const U = new Float64Array(H * I);
  const b = new Float64Array(H);
  const h0 = new Float64Array(H);
  const x = new Float64Array(T * I);
  if (family === "driven") {
    for (let i = 0; i < H; i++) U[i] = rng.normal();
    for (let i = 0; i < H; i++) b[i] = rng.uniformIn(-1, 1);
    for (let i = 0; i < H; i++) h0[i] = rng.uniform();
    for (let t = 0; t < T; t++) x[t] = rng.normal();
  } else {
    const half = matVec(W, new Float64Array(H).fill(0.5), H);
    for (let i = 0; i < H; i++) b[i] = -half[i];
    if (M) {
      const halfM = matVec(M, new Float64Array(H).fill(0.5), H);
      for (let i = 0; i < H; i++) b[i] -= halfM[i];
    }
    for (let i = 0; i < H; i++) h0[i] = family === "held" ? 0.5 : rng.uniform();
  }
  const V = new Float64Array(READOUT * H);
  for (let i = 0; i < V.length; i++) V[i] = rng.normal();
  const target = new Float64Array(READOUT);
  for (let i = 0; i < READOUT; i++) target[i] = rng.normal() + 3;
  const spec: RnnSpec = {
    H,
    I,
    O: READOUT,
    activation: "sigmoid",
    W,
    U,
    b,
    skip: M && skip ? { k: skip.k, M } : null,
    V,
    c: new Float64Array(READOUT),
  };
  return { family, spec, input: { T, B: 1, x, h0, target } };
}
