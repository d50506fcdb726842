import { describe, expect, it } from "vitest";
import { norm2 } from "../../lab/gradients/linalg.js";
import { sampleNet } from "../../lab/gradients/nets.js";
import { gradientRatio, gradientRatioProbe, summarizeRatio } from "../../lab/probes/gradient-ratio.js";
import { readOptions } from "../../lab/probes/index.js";
import { Rng } from "../../src/index.js";

const ratioOf = (options: Record<string, string>) => gradientRatio(readOptions(gradientRatioProbe, options));

/** log10 ‖dL/dh_0‖ / ‖dL/dh_T‖ by hand: a forward pass of the net, then g_{t−1} = Wᵀ (σ'(z_t) ⊙ g_t)
 *  from g_T ∝ Vᵀ (V h_T + c − target) (the ratio does not depend on the loss's scale). */
function handRatio(seed: number, H: number, norm: number, T: number): number {
  const { spec, input } = sampleNet(new Rng(seed), "driven", H, norm, T);
  const sigma = (z: number) => 1 / (1 + Math.exp(-z));
  const slopes: Float64Array[] = [];
  let h = Float64Array.from(input.h0);
  for (let t = 0; t < T; t++) {
    const next = new Float64Array(H);
    const slope = new Float64Array(H);
    for (let i = 0; i < H; i++) {
      let z = spec.b[i] + spec.U[i] * input.x[t];
      for (let j = 0; j < H; j++) z += spec.W[i * H + j] * h[j];
      next[i] = sigma(z);
      slope[i] = next[i] * (1 - next[i]);
    }
    slopes.push(slope);
    h = next;
  }
  let g = new Float64Array(H);
  for (let o = 0; o < spec.O; o++) {
    let y = spec.c[o] - input.target[o];
    for (let j = 0; j < H; j++) y += spec.V[o * H + j] * h[j];
    for (let j = 0; j < H; j++) g[j] += spec.V[o * H + j] * y;
  }
  const last = norm2(g);
  for (let t = T - 1; t >= 0; t--) {
    const back = new Float64Array(H);
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++) back[j] += spec.W[i * H + j] * slopes[t][i] * g[i];
    g = back;
  }
  return Math.log10(norm2(g) / last);
}

describe("gradientRatio", () => {
  it("gives T·log10(‖W‖/4) for a net held at z = 0, below and above 4", () => {
    for (const [norm, T] of [
      [2, 30],
      [8, 40],
      [4, 25],
    ]) {
      const { log10Ratio } = ratioOf({ norm: `${norm}`, "seq-len": `${T}`, seed: "3", kind: "held" });
      expect(log10Ratio).toBeCloseTo(T * Math.log10(norm / 4), 8);
    }
  });

  it("agrees with a hand-written BPTT on a driven net", () => {
    for (const [seed, norm] of [
      [1, 3],
      [2, 6],
    ]) {
      const { log10Ratio } = ratioOf({ norm: `${norm}`, "seq-len": "25", seed: `${seed}`, hidden: "8" });
      expect(log10Ratio).toBeCloseTo(handRatio(seed, 8, norm, 25), 8);
    }
  });

  it("stays under the bound (‖W‖/4)^T below 4 for every seed", () => {
    for (const seed of [1, 2, 3, 4]) {
      const { log10Ratio } = ratioOf({ norm: "3", "seq-len": "50", seed: `${seed}` });
      expect(log10Ratio).toBeLessThanOrEqual(50 * Math.log10(3 / 4) + 1e-9);
    }
  });

  it("reports an underflowed ratio as the smallest double's log10, so it still classifies", () => {
    const ratio = ratioOf({ norm: "0", "seq-len": "10", seed: "1" });
    expect(ratio.log10Ratio).toBeCloseTo(Math.log10(5e-324), 6);
    expect(summarizeRatio(ratio).regime).toBe("vanishing");
  });
});

describe("summarizeRatio", () => {
  it("classifies at 1e-2 and 1e2 with one flag per regime", () => {
    const summary = (log10Ratio: number) => summarizeRatio({ norm: 4, seqLen: 10, log10Ratio });
    expect(summary(-2.5)).toEqual({
      norm: 4,
      seqLen: 10,
      log10Ratio: -2.5,
      regime: "vanishing",
      vanishing: 1,
      exploding: 0,
    });
    expect(summary(2.5)).toMatchObject({ regime: "exploding", vanishing: 0, exploding: 1 });
    expect(summary(-1.9)).toMatchObject({ regime: "marginal", vanishing: 0, exploding: 0 });
  });
});
