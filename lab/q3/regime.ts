// Q3.regime: what ‖W‖ below or above 4 says about vanishing and exploding gradients, read off the
// gradient sweep: each run is classified by its ratio ‖dL/dh_0‖ / ‖dL/dh_T‖ at T = 200, and the regime
// the claim ties to each side of the threshold is checked against every run on that side.

import { formatNumber, pow10 } from "../format.js";
import { median } from "../gradients/linalg.js";
import {
  describeSweep,
  gradientSweep,
  isRandom,
  plotDistances,
  type Sweep,
  type SweepRun,
  type SweepSummary,
  summarizeSweep,
} from "../gradients/sweep.js";
import { defineExperiment, type Verdict } from "../types.js";
import { regimeFigures, regimeTable } from "./regime-figures.js";

export type Regime = "vanishing" | "exploding" | "either";

export interface RegimeClaim {
  /** The norm at which the seed puts the boundary: |W/4| < 1, |W| <= 4. */
  threshold: number;
  /** The regime the claim ties to ‖W‖₂ below the threshold: the seed writes "gradient exploding". */
  below: Regime;
  /** The regime it ties to ‖W‖₂ above the threshold (null: the claim says nothing). */
  above: Regime | null;
}

export const CORRECTED_REGIME: RegimeClaim = { threshold: 4, below: "vanishing", above: "either" };

/** At distance T a run "vanishes" below 10^-2 and "explodes" above 10^2 (from 1e-2 to 1e2: marginal). */
export const VANISH_LOG10 = -2;
export const EXPLODE_LOG10 = 2;

export type Observed = "vanishing" | "exploding" | "marginal";

export function classifyRatio(log10Ratio: number): Observed {
  if (log10Ratio < VANISH_LOG10) return "vanishing";
  if (log10Ratio > EXPLODE_LOG10) return "exploding";
  return "marginal";
}

export interface SideCounts {
  runs: number;
  vanishing: number;
  exploding: number;
  marginal: number;
}

/** The facts behind the corrected statement, with the threshold at 4. */
export interface AtFour {
  below: SideCounts;
  /** Largest log10 ratio at T over the runs below 4. */
  maxLog10Below: number;
  randomAbove: SideCounts;
  heldAbove: SideCounts;
  /** Smallest ‖W‖₂ (as swept) of a random net above 4 that explodes; null when none does. */
  firstExplosionNorm: number | null;
  explodingSizes: number[];
  /** Median mean σ' of the random nets above 4 that vanish. */
  saturatedSlopeMedian: number;
}

/** One swept ‖W‖₂: the random nets' regimes and ratios at T, and the held net's. */
export interface NormRow extends SideCounts {
  norm: number;
  medianLog10: number;
  maxLog10: number;
  medianSlope: number;
  held: { log10Ratio: number; regime: Observed } | null;
}

/** log10 ratio over the random nets of one swept norm at one distance (median and max). */
export interface GridCell {
  norm: number;
  d: number;
  medianLog10: number;
  maxLog10: number;
}

export interface RegimeData {
  sweep: SweepSummary;
  /** The runs with ‖W‖₂ below and above the stated threshold (those at it excluded). */
  below: SideCounts;
  above: SideCounts;
  atFour: AtFour;
  byNorm: NormRow[];
  grid: GridCell[];
}

const finalRegime = (run: SweepRun, T: number) => classifyRatio(run.logRatio[T]);

function countSide(runs: SweepRun[], T: number): SideCounts {
  const count = (o: Observed) => runs.filter((r) => finalRegime(r, T) === o).length;
  return {
    runs: runs.length,
    vanishing: count("vanishing"),
    exploding: count("exploding"),
    marginal: count("marginal"),
  };
}

function split(sweep: Sweep, threshold: number): { below: SweepRun[]; above: SweepRun[] } {
  return {
    below: sweep.runs.filter((r) => r.norms.spectral < threshold * (1 - 1e-9)),
    above: sweep.runs.filter((r) => r.norms.spectral > threshold * (1 + 1e-9)),
  };
}

function atFour(sweep: Sweep): AtFour {
  const T = sweep.T;
  const { below, above } = split(sweep, CORRECTED_REGIME.threshold);
  const randomAbove = above.filter(isRandom);
  const exploding = randomAbove.filter((r) => finalRegime(r, T) === "exploding");
  const vanishing = randomAbove.filter((r) => finalRegime(r, T) === "vanishing");
  return {
    below: countSide(below, T),
    maxLog10Below: Math.max(...below.map((r) => r.logRatio[T])),
    randomAbove: countSide(randomAbove, T),
    heldAbove: countSide(
      above.filter((r) => !isRandom(r)),
      T,
    ),
    firstExplosionNorm: exploding.length ? Math.min(...exploding.map((r) => r.norm)) : null,
    explodingSizes: [...new Set(exploding.map((r) => r.H))].sort((x, y) => x - y),
    saturatedSlopeMedian: median(vanishing.map((r) => r.meanSlope)),
  };
}

function normRow(sweep: Sweep, norm: number): NormRow {
  const T = sweep.T;
  const runs = sweep.runs.filter((r) => isRandom(r) && r.norm === norm);
  const held = sweep.runs.find((r) => !isRandom(r) && r.norm === norm);
  const ratios = runs.map((r) => r.logRatio[T]);
  return {
    norm,
    ...countSide(runs, T),
    medianLog10: median(ratios),
    maxLog10: Math.max(...ratios),
    medianSlope: median(runs.map((r) => r.meanSlope)),
    held: held ? { log10Ratio: held.logRatio[T], regime: finalRegime(held, T) } : null,
  };
}

function grid(sweep: Sweep): GridCell[] {
  const random = sweep.runs.filter(isRandom);
  return sweep.norms.flatMap((norm) => {
    const runs = random.filter((r) => r.norm === norm);
    return plotDistances(sweep.T, 5).map((d) => {
      const logs = runs.map((r) => r.logRatio[d]);
      return { norm, d, medianLog10: median(logs), maxLog10: Math.max(...logs) };
    });
  });
}

/** Whether a side's runs show the regime: all of them for vanishing or exploding, both occurring for
 *  "either"; null when the claim names none. */
export function sideShows(side: SideCounts, regime: Regime | null): boolean | null {
  if (regime === null) return null;
  if (regime === "vanishing") return side.runs > 0 && side.vanishing === side.runs;
  if (regime === "exploding") return side.runs > 0 && side.exploding === side.runs;
  return side.vanishing > 0 && side.exploding > 0;
}

/** fails: the regime below is wrong; partly: right below, wrong above; holds: right wherever stated;
 *  inconclusive: a side the claim speaks of has no runs. */
export function judgeRegime(data: Pick<RegimeData, "below" | "above">, claim: RegimeClaim): Verdict {
  if (data.below.runs === 0 || (claim.above !== null && data.above.runs === 0)) return "inconclusive";
  if (!sideShows(data.below, claim.below)) return "fails";
  return sideShows(data.above, claim.above) === false ? "partly" : "holds";
}

function describeRegime(data: RegimeData, stated: RegimeClaim): string {
  const { atFour: four, sweep } = data;
  const side = (s: SideCounts, name: string) =>
    `${name}: ${s.runs} runs, ${s.vanishing} vanish, ${s.exploding} explode, ${s.marginal} marginal`;
  const threshold = formatNumber(stated.threshold, 3);
  const claim = `below ${threshold}: ${stated.below}${stated.above ? `; above: ${stated.above}` : ""}`;
  const explosions = four.randomAbove.exploding
    ? ` (hidden sizes ${four.explodingSizes.join(", ")}, from $\\lVert W\\rVert_2$ = ${four.firstExplosionNorm}, when the centred dynamics turns chaotic)`
    : "";
  return (
    `Classified at distance ${sweep.T} (vanishing: ratio < 1e${VANISH_LOG10}; exploding: > 1e${EXPLODE_LOG10}) on ${describeSweep(sweep)}. ` +
    `Claim as given (${claim}): ${side(data.below, `$\\lVert W\\rVert_2 < ${threshold}$`)}; ${side(data.above, `$\\lVert W\\rVert_2 > ${threshold}$`)}. ` +
    `Below 4 every run vanishes (largest ratio at d = ${sweep.T}: ${pow10(four.maxLog10Below)}), as the bound $(\\lVert W\\rVert/4)^T$ forces. ` +
    `Above 4, ${four.randomAbove.exploding} of ${four.randomAbove.runs} random nets explode${explosions}; ` +
    `the rest vanish because the states saturate: their mean $\\sigma'(z)$ is ${formatNumber(four.saturatedSlopeMedian, 3)} (median), so $\\lVert W\\rVert \\sigma'$ stays below 1. ` +
    `The nets held at $z = 0$ explode exactly as $(\\lVert W\\rVert/4)^T$ for every $\\lVert W\\rVert > 4$ (${four.heldAbove.exploding} of ${four.heldAbove.runs}): explosion is possible above 4, not implied.`
  );
}

function correctRegime({ atFour: four }: RegimeData): string {
  return (
    `$\\lVert W\\rVert_2 < 4$ guarantees vanishing gradients: $\\lVert \\partial L/\\partial h_0\\rVert \\le \\lVert \\partial L/\\partial h_T\\rVert (\\lVert W\\rVert_2/4)^T \\to 0$ geometrically (here ${four.below.vanishing} of ${four.below.runs} runs below 4 vanish, none explodes), so $\\lVert W\\rVert_2 \\le 4$ rules explosion out. ` +
    `$\\lVert W\\rVert_2 > 4$ is necessary for exploding gradients but does not imply them: of the random nets above 4, ${four.randomAbove.exploding} of ${four.randomAbove.runs} explode and ${four.randomAbove.vanishing} still vanish (saturated sigmoids), ` +
    `while nets kept at $z = 0$ explode exactly as $(\\lVert W\\rVert_2/4)^T$ (${four.heldAbove.exploding} of ${four.heldAbove.runs}). Explosion needs $\\lVert W\\rVert_2 > 4$ and units that stay unsaturated along the trajectory.`
  );
}

export const regime = defineExperiment<RegimeClaim, RegimeData>({
  id: "Q3.regime",
  question: "Q3",
  title: "Which regime $\\lVert W\\rVert$ below or above 4 gives",
  claim:
    'The seed writes "gradient exploding → $\\lvert W/4\\rvert < 1 \\to \\lvert W\\rvert \\le 4$" (which regime does $\\lvert W\\rvert < 4$ guarantee, and what does $\\lvert W\\rvert > 4$ imply?).',
  stated: { threshold: 4, below: "exploding", above: null },
  cost: 0.2,

  measure(stated, ctx) {
    const sweep = gradientSweep(ctx);
    ctx.progress("Q3.regime: classifying the sweep's runs");
    const { below, above } = split(sweep, stated.threshold);
    return {
      sweep: summarizeSweep(sweep),
      below: countSide(below, sweep.T),
      above: countSide(above, sweep.T),
      atFour: atFour(sweep),
      byNorm: sweep.norms.map((n) => normRow(sweep, n)),
      grid: grid(sweep),
    };
  },

  judge: judgeRegime,

  describe(data, verdict, stated) {
    return {
      evidence: describeRegime(data, stated),
      correction: verdict === "holds" ? null : correctRegime(data),
      figures: regimeFigures(data),
      tables: [regimeTable(data)],
    };
  },
});
