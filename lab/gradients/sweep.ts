// The sweep behind Q3.bound and Q3.regime: random sigmoid RNNs of several hidden sizes, with the
// spectral norm of W swept through 4, each run for T steps with the loss on h_T only; for every run,
// log10 ‖dL/dh_{T−d}‖ / ‖dL/dh_T‖ for d = 0..T (the gradient's size d steps back) from the library's
// BPTT, and the norms of W the bound may be read with.

import type { LabContext } from "../types.js";
import { type Flow, gradientFlow } from "./flow.js";
import { sigmoidFactor } from "./jacobian.js";
import { frobeniusNorm, maxAbsEntry, type MatrixNorm, norm2, spectralNorm } from "./linalg.js";
import { NET_FAMILIES, type NetFamily, sampleNet } from "./nets.js";

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

/** What a sweep was, for the evidence text: its grid and how many runs of each kind. */
export interface SweepSummary {
  T: number;
  sizes: number[];
  norms: number[];
  randomRuns: number;
  heldRuns: number;
}

export const SWEEP_NORMS_FULL = [0.5, 1, 2, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 11, 12];
export const SWEEP_NORMS_QUICK = [0.5, 1, 2, 3, 3.5, 4, 4.5, 5, 6, 8, 10, 12];
const SWEEP_STEPS = 200;

/** The sweep, computed once per lab run. */
export function gradientSweep(ctx: LabContext): Sweep {
  return ctx.shared("q3:sweep", () => {
    const T = SWEEP_STEPS;
    const sizes = ctx.quick ? [1, 8, 32] : [1, 8, 32, 64];
    const norms = ctx.quick ? SWEEP_NORMS_QUICK : SWEEP_NORMS_FULL;
    const netsPerCell = ctx.quick ? 2 : 6;
    const runs: SweepRun[] = [];
    for (const H of sizes) {
      ctx.progress(
        `Q3 sweep: hidden size ${H}, ‖W‖ from ${norms[0]} to ${norms[norms.length - 1]}, T = ${T}`,
      );
      const rng = ctx.rng(`q3-sweep-H${H}`);
      for (const norm of norms) {
        for (const family of NET_FAMILIES) {
          const count = family === "held" ? 1 : netsPerCell;
          for (let n = 0; n < count; n++) {
            const { spec, input } = sampleNet(rng, family, H, norm, T);
            runs.push(measureRun(family, H, norm, spec.W, gradientFlow(spec, input)));
          }
        }
      }
    }
    return { T, sizes, norms, netsPerCell, runs };
  });
}

function measureRun(family: NetFamily, H: number, norm: number, W: Float64Array, flow: Flow): SweepRun {
  const T = flow.T;
  const logRatio = new Float64Array(T + 1);
  const end = rowNorm(flow.grads, T, H);
  for (let d = 0; d <= T; d++) logRatio[d] = Math.log10(rowNorm(flow.grads, T - d, H) / end);
  let slope = 0;
  for (let i = H; i < flow.pre.length; i++) slope += sigmoidFactor("sigma*(1-sigma)", flow.pre[i]);
  return {
    family,
    H,
    norm,
    norms: { spectral: spectralNorm(W, H), frobenius: frobeniusNorm(W), "max-abs-entry": maxAbsEntry(W) },
    logRatio,
    meanSlope: slope / (T * H),
  };
}

function rowNorm(grads: Float64Array, t: number, H: number): number {
  return norm2(grads, t * H, (t + 1) * H);
}

/** The random nets (driven and centred), as opposed to the nets held at z = 0. */
export const isRandom = (run: SweepRun): boolean => run.family !== "held";

export function summarizeSweep(sweep: Sweep): SweepSummary {
  const randomRuns = sweep.runs.filter(isRandom).length;
  return {
    T: sweep.T,
    sizes: sweep.sizes,
    norms: sweep.norms,
    randomRuns,
    heldRuns: sweep.runs.length - randomRuns,
  };
}

/** The sweep in one sentence, for the evidence. */
export function describeSweep(s: SweepSummary): string {
  return `${s.randomRuns} random sigmoid RNNs (hidden sizes ${s.sizes.join(", ")}; $\\lVert W\\rVert_2$ = ${s.norms.join(", ")}; driven by inputs or centred at the sigmoid's steepest point) and ${s.heldRuns} nets held at $z = 0$, each run ${s.T} steps with the loss on $h_T$ only (float64 BPTT)`;
}

/** 1 and every `every`-th distance up to T, for plots. */
export function plotDistances(T: number, every: number): number[] {
  const ds = [1];
  for (let d = every; d <= T; d += every) ds.push(d);
  return ds;
}
