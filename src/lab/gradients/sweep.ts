// The sweep behind Q3.bound and Q3.regime: random sigmoid RNNs of several hidden sizes, with the
// spectral norm of W swept through 4, each run for T steps with the loss on h_T only; for every run,
// log10 ‖dL/dh_{T−d}‖ / ‖dL/dh_T‖ for d = 0..T (the gradient's size d steps back) from the library's
// BPTT, and the norms of W the bound may be read with.

import type { LabContext } from "../types.js";
import { gradientFlow } from "./flow.js";
import { sigmoidFactor } from "./jacobian.js";
import { frobeniusNorm, maxAbsEntry, type MatrixNorm, norm2, spectralNorm } from "./linalg.js";
import { type NetFamily, sampleNet } from "./nets.js";

export interface SweepRun {
  family: NetFamily;
  H: number;
  /** The swept value: ‖W‖₂ as drawn. */
  norm: number;
  norms: Record<MatrixNorm, number>;
  /** log10 of ‖dL/dh_{T−d}‖ / ‖dL/dh_T‖ for d = 0..T; −Infinity where the gradient underflowed to 0. */
  logRatio: Float64Array;
  /** Mean of σ'(z) over the run's steps and units (1/4 at most). */
  meanSlope: number;
}

export interface Sweep {
  T: number;
  sizes: number[];
  norms: number[];
  netsPerCell: number;
  runs: SweepRun[];
}

export const SWEEP_NORMS_FULL = [0.5, 1, 2, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 11, 12];
export const SWEEP_NORMS_QUICK = [0.5, 1, 2, 3, 3.5, 4, 4.5, 5, 6, 8, 10, 12];

/** The sweep, computed once per lab run. */
export function gradientSweep(ctx: LabContext): Sweep {
  return ctx.shared("q3:sweep", () => {
    const T = 200;
    const sizes = ctx.quick ? [1, 8, 32] : [1, 8, 32, 64];
    const norms = ctx.quick ? SWEEP_NORMS_QUICK : SWEEP_NORMS_FULL;
    const netsPerCell = ctx.quick ? 2 : 6;
    const runs: SweepRun[] = [];
    for (const H of sizes) {
      ctx.progress(
        `Q3 sweep: hidden size ${H}, ||W|| from ${norms[0]} to ${norms[norms.length - 1]}, T = ${T}`,
      );
      const rng = ctx.rng(`q3-sweep-H${H}`);
      for (const norm of norms) {
        for (const family of ["driven", "centred", "held"] as NetFamily[]) {
          const count = family === "held" ? 1 : netsPerCell;
          for (let n = 0; n < count; n++) {
            const { spec, input } = sampleNet(rng, family, H, norm, T);
            const flow = gradientFlow(spec, input);
            const logRatio = new Float64Array(T + 1);
            const end = rowNorm(flow.grads, T, H);
            for (let d = 0; d <= T; d++) logRatio[d] = Math.log10(rowNorm(flow.grads, T - d, H) / end);
            let slope = 0;
            for (let i = H; i < flow.pre.length; i++) slope += sigmoidFactor("sigma*(1-sigma)", flow.pre[i]);
            runs.push({
              family,
              H,
              norm,
              norms: {
                spectral: spectralNorm(spec.W, H),
                frobenius: frobeniusNorm(spec.W),
                "max-abs-entry": maxAbsEntry(spec.W),
              },
              logRatio,
              meanSlope: slope / (T * H),
            });
          }
        }
      }
    }
    return { T, sizes, norms, netsPerCell, runs };
  });
}

function rowNorm(grads: Float64Array, t: number, H: number): number {
  return norm2(grads, t * H, (t + 1) * H);
}
