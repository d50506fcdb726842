// Q3.skip: a skip connection M h_{t−k} in a sigmoid RNN, measured twice: the gradient's size against
// distance with and without it, and training with and without it on temporal order (success rates
// over seeds). It holds when both improve, partly when one does.

import { ConfigError } from "../../src/index.js";
import { type Figure, plotNumber, type Table } from "../../src/report/index.js";
import { formatNumber, pow10 } from "../format.js";
import { medianLearningCurve } from "../gradients/curves.js";
import { defineExperiment, type Verdict } from "../types.js";
import {
  type DelayCurve,
  type DelayTraining,
  type GradientCurves,
  gradientCurves,
  measuredDelays,
  type SkipStated,
  type SkipTraining,
  skipTraining,
  trainingSetup,
} from "./skip-measure.js";

export type { SkipStated } from "./skip-measure.js";

export interface SkipData {
  gradient: GradientCurves;
  training: SkipTraining;
}

/** The skip "decays less" when its median gradient ratio at the largest distance is at least this
 *  many powers of ten above the plain net's. */
export const GAIN_LOG10 = 1;
/** A training run succeeds when its test accuracy is at least this (chance: 25%). */
export const SUCCESS_ACCURACY = 0.95;
/** Below this log10 ratio at the largest distance the gradient still counts as vanished. */
const VANISHED_LOG10 = -2;

export function curveOf(gradient: GradientCurves, delay: number): DelayCurve {
  const curve = gradient.curves.find((c) => c.delay === delay);
  if (!curve)
    throw new ConfigError(`no gradient curve for delay ${delay} in the data: measure with that delay`);
  return curve;
}

export function runOf(training: SkipTraining, delay: number): DelayTraining {
  const run = training.runs.find((r) => r.delay === delay);
  if (!run) throw new ConfigError(`no training run for delay ${delay} in the data: measure with that delay`);
  return run;
}

/** log10 of (ratio with the skip / ratio without) at the largest distance. */
export function gradientGain(gradient: GradientCurves, delay: number): number {
  const T = gradient.T;
  return curveOf(gradient, delay).log10Ratio[T] - curveOf(gradient, 0).log10Ratio[T];
}

export function successes(run: DelayTraining): number {
  return run.accuracies.filter((a) => a >= SUCCESS_ACCURACY).length;
}

/** Per-step decay factor of a log10 curve: 10^slope of the least-squares line over d = T/2..T. */
export function decayPerStep(log10Ratio: readonly number[]): number {
  const T = log10Ratio.length - 1;
  let [sx, sy, sxx, sxy, n] = [0, 0, 0, 0, 0];
  for (let d = Math.floor(T / 2); d <= T; d++) {
    const y = log10Ratio[d];
    if (!Number.isFinite(y)) continue;
    [sx, sy, sxx, sxy, n] = [sx + d, sy + y, sxx + d * d, sxy + d * y, n + 1];
  }
  return 10 ** ((n * sxy - sx * sy) / (n * sxx - sx * sx));
}

export function judgeSkip(data: SkipData, stated: SkipStated): Verdict {
  const gradientImproves = gradientGain(data.gradient, stated.delay) >= GAIN_LOG10;
  const trainingImproves = successes(runOf(data.training, stated.delay)) > successes(runOf(data.training, 0));
  if (gradientImproves && trainingImproves) return "holds";
  return gradientImproves || trainingImproves ? "partly" : "fails";
}

const delayName = (k: number) => (k === 0 ? "no skip" : `skip k = ${k}`);

function successText(run: DelayTraining): string {
  const accuracies = run.accuracies.map((a) => formatNumber(a, 2)).join(", ");
  return `${successes(run)}/${run.accuracies.length} (accuracies ${accuracies})`;
}

function gradientEvidence(gradient: GradientCurves, stated: SkipStated): string {
  const T = gradient.T;
  const none = curveOf(gradient, 0).log10Ratio[T];
  const withSkip = curveOf(gradient, stated.delay).log10Ratio[T];
  const gain = withSkip - none;
  const rates = gradient.curves
    .map(
      (c) => `${c.delay === 0 ? "none" : `k = ${c.delay}`}: ${formatNumber(decayPerStep(c.log10Ratio), 3)}`,
    )
    .join(", ");
  return (
    `Gradient: ${gradient.nets} random sigmoid RNNs (H = ${gradient.hidden}, $\\lVert W\\rVert_2$ = ${formatNumber(stated.weightNorm)}, inputs and biases random), each without and with $M h_{t-k}$ ($\\lVert M\\rVert_2$ = ${formatNumber(stated.skipNorm)}), loss on $h_T$ only, T = ${T}. ` +
    `Median $\\lVert \\partial L/\\partial h_{T-d}\\rVert / \\lVert \\partial L/\\partial h_T\\rVert$ at d = ${T}: ${pow10(none)} without skip, ${pow10(withSkip)} with delay ${stated.delay} ` +
    `(${gain >= 0 ? `${pow10(gain)} times larger` : `${pow10(-gain)} times smaller`}; "decays less" needs at least ${pow10(GAIN_LOG10)}). ` +
    `Per-step decay of the median (fitted over d = ${T / 2}..${T}): ${rates}. `
  );
}

function trainingEvidence(training: SkipTraining, stated: SkipStated): string {
  const { setup, longDelay } = training;
  const long =
    longDelay !== stated.delay ? `; delay ${longDelay} (T/5) ${successText(runOf(training, longDelay))}` : "";
  return (
    `Training: sigmoid RNNs (H = ${setup.hidden}, Adam 0.01, norm clipping 1, batch ${setup.batch}, ${setup.steps} steps) on the temporal-order problem with T = ${setup.T} ` +
    `(the first relevant symbol ${Math.floor(setup.T / 10)} to ${Math.floor(setup.T / 5) - 1} steps in, so carried over ${setup.T - Math.floor(setup.T / 5)}+ steps; success = accuracy ≥ ${SUCCESS_ACCURACY} on ${setup.testSize} new sequences, chance 0.25): ` +
    `no skip ${successText(runOf(training, 0))}; delay ${stated.delay} ${successText(runOf(training, stated.delay))}${long}.`
  );
}

function correction(data: SkipData, stated: SkipStated, verdict: Verdict): string | null {
  if (verdict === "holds") return null;
  const T = data.gradient.T;
  const none = pow10(curveOf(data.gradient, 0).log10Ratio[T]);
  const withSkipLog10 = curveOf(data.gradient, stated.delay).log10Ratio[T];
  const plain = runOf(data.training, 0);
  const skipped = runOf(data.training, stated.delay);
  const long = runOf(data.training, data.training.longDelay);
  const { setup, longDelay } = data.training;
  if (verdict === "fails") {
    return `With these values the skip path gives no gain (gradient at d = ${T}: ${pow10(withSkipLog10)} against ${none}; training ${successes(skipped)} against ${successes(plain)} successes): a skip path helps only when $M$ carries the signal ($M \\ne 0$).`;
  }
  if (gradientGain(data.gradient, stated.delay) < GAIN_LOG10) {
    return `The skip path from ${stated.delay} steps back trains better (${successes(skipped)} against ${successes(plain)} successes) without making the measured gradient at d = ${T} larger by ${pow10(GAIN_LOG10)} (${pow10(withSkipLog10)} against ${none}).`;
  }
  const vanishes =
    withSkipLog10 < VANISHED_LOG10
      ? "it still vanishes geometrically: a path over $d$ steps crosses about $d/k$ sigmoids, each contributing at most $\\lVert M\\rVert/4$, so the rate per step only rises towards $(\\lVert M\\rVert/4)^{1/k}$"
      : "its gain depends on the norms";
  return (
    `The skip path from k steps back makes the gradient decay less (at d = ${T}: ${pow10(withSkipLog10)} with k = ${stated.delay} against ${none} without), but ${vanishes}. ` +
    `That is not enough to learn a long lag with delay ${stated.delay}: on temporal order (T = ${setup.T}) it succeeds in ${successes(skipped)} of ${skipped.accuracies.length} seeds like the plain net (${successes(plain)}), while a delay comparable to the lag (k = ${longDelay} = T/5) succeeds in ${successes(long)} of ${long.accuracies.length}. The delay has to shorten the path substantially.`
  );
}

function distanceFigure(gradient: GradientCurves, stated: SkipStated): Figure {
  const ds = Array.from({ length: gradient.T + 1 }, (_, d) => d).filter((d) => d % 2 === 0 || d === 1);
  return {
    id: "q3-skip-distance",
    title: "Gradient norm against distance, with and without a skip connection",
    caption: `Median over ${gradient.nets} sigmoid RNNs (H = ${gradient.hidden}, $\\lVert W\\rVert$ = ${formatNumber(stated.weightNorm)}, $\\lVert M\\rVert$ = ${formatNumber(stated.skipNorm)}) of $\\lVert \\partial L/\\partial h_{T-d}\\rVert / \\lVert \\partial L/\\partial h_T\\rVert$, log scale.`,
    spec: {
      kind: "line",
      x: { label: "distance d" },
      y: { label: "‖∂L/∂h_{T−d}‖ / ‖∂L/∂h_T‖", log: true },
      series: gradient.curves.map((c) => ({
        name: delayName(c.delay),
        x: ds,
        y: ds.map((d) => plotNumber(10 ** c.log10Ratio[d])),
        dashed: c.delay === 0,
      })),
    },
  };
}

function trainingFigure(training: SkipTraining): Figure {
  const { setup } = training;
  return {
    id: "q3-skip-training",
    title: `Training on temporal order (T = ${setup.T}), with and without skip`,
    caption: `Cross-entropy at the last step (moving average over 25 steps), median over ${setup.seeds} seeds; chance is $\\ln 4$ = 1.386.`,
    spec: {
      kind: "line",
      x: { label: "step" },
      y: { label: "loss (nats)", zero: true },
      series: training.runs.map((run) => {
        const curve = medianLearningCurve(run.losses, setup.steps, 25, 200);
        return { name: delayName(run.delay), x: curve.x, y: curve.y.map(plotNumber) };
      }),
      rules: [{ axis: "y", value: Math.log(4), label: "chance" }],
    },
  };
}

function accuracyTable(training: SkipTraining): Table {
  return {
    kind: "grid",
    title: `Temporal order, T = ${training.setup.T}: accuracy on ${training.setup.testSize} new sequences per seed`,
    columns: ["model", "successes", "accuracies"],
    rows: training.runs.map((run) => [
      delayName(run.delay),
      `${successes(run)}/${run.accuracies.length}`,
      run.accuracies.map((a) => formatNumber(a, 3)).join(", "),
    ]),
  };
}

export const skip = defineExperiment<SkipStated, SkipData>({
  id: "Q3.skip",
  question: "Q3",
  title: "A skip connection from k steps back",
  claim:
    "Adding a connection from two steps back, $z_{t+2} = U x_{t+2} + W h_{t+1} + M h_t$, gives the gradient a second, shorter path, so it decays less over long distances (vanishes less).",
  stated: { delay: 2, weightNorm: 3, skipNorm: 3 },
  cost: 25,
  measure(stated, ctx) {
    ctx.progress("Q3.skip: gradient against distance with and without M·h_{t−k}");
    const longDelay = Math.round(trainingSetup(ctx.quick).T / 5);
    const gradient = gradientCurves(ctx, stated, measuredDelays(stated, longDelay));
    return { gradient, training: skipTraining(ctx, stated) };
  },
  judge: judgeSkip,
  describe(data, verdict, stated) {
    return {
      evidence: gradientEvidence(data.gradient, stated) + trainingEvidence(data.training, stated),
      correction: correction(data, stated, verdict),
      figures: [distanceFigure(data.gradient, stated), trainingFigure(data.training)],
      tables: [accuracyTable(data.training)],
    };
  },
});
