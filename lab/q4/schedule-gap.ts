// Q4.scheduled-sampling: the gap between training and inference (|ratio − 1|, the exposure-bias
// ratio at l = L) of models trained with scheduled sampling under each decay, against teacher
// forcing from the same seed, and what each schedule costs in validation loss.

import type { Figure, Table } from "../../src/report/index.js";
import { formatNumber } from "../format.js";
import { type Description, defineExperiment, type LabContext, type Verdict } from "../types.js";
import { RATIO_TEX, series, thin, thinEvery, Z } from "./common.js";
import { biasOf, type ExposureBias, ratioAt } from "./exposure.js";
import { epsCurve, type FeedSpec, feedLabel, type ScheduleSpec, TEACHER_FORCING } from "./feeds.js";
import { type Q4Context, type Q4Setup, q4Context } from "./setup.js";
import { type Estimate, estimate, mean, meanSeries, pm, signedPm } from "./stats.js";
import { meanCurve, pairedFinal, runsOf, type TrainedRun } from "./training.js";

/** The claim as data: scheduled sampling with eps decaying by each of `schedules` (from 1 to
 *  `endEps` at the end of the budget; the model's own token picked by `pick`) makes the gap between
 *  training and inference `effect` compared with teacher forcing at the same budget. */
export interface ScheduledSamplingStated {
  schedules: ScheduleSpec[];
  pick: "sample" | "argmax";
  effect: "narrows" | "widens";
}

/** One training mode's figures, means over seeds. */
export interface ModeFigures {
  /** Exposure-bias ratio at l = L, and ratio(l) for l = 1..L. */
  ratio: Estimate;
  ratioCurve: number[];
  valLoss: number;
  valKL: number;
  /** KL to the oracle per step along the model's own rollouts. */
  ownPerStep: number;
  curve: { step: number[]; valLoss: number[] };
}

export interface ScheduleFigures extends ModeFigures {
  schedule: ScheduleSpec;
  name: string;
  /** |ratio − 1| minus teacher forcing's, seed by seed. */
  gapChange: Estimate;
  /** Final validation loss minus teacher forcing's, paired by seed and window. */
  valLossChange: Estimate;
  groundTruthFed: number;
}

export interface ScheduledSamplingData {
  setup: Q4Setup;
  oracleLoss: number;
  teacherForcing: ModeFigures;
  schedules: ScheduleFigures[];
}

export const narrows = (s: ScheduleFigures) => s.gapChange.mean < -Z * s.gapChange.se;
export const widens = (s: ScheduleFigures) => s.gapChange.mean > Z * s.gapChange.se;
export const costly = (s: ScheduleFigures) => s.valLossChange.mean > Z * s.valLossChange.se;

/** holds: every schedule has the stated effect (narrowing without a significantly higher
 *  validation loss); partly: some do; fails: none. */
export function judgeScheduledSampling(d: ScheduledSamplingData, stated: ScheduledSamplingStated): Verdict {
  const matches = d.schedules.filter(stated.effect === "narrows" ? narrows : widens);
  const all = matches.length === d.schedules.length;
  const onlyByCost = stated.effect === "narrows" && all && d.schedules.some(costly);
  return all && !onlyByCost ? "holds" : matches.length > 0 ? "partly" : "fails";
}

function modeFigures(runs: TrainedRun[], ebs: ExposureBias[], L: number): ModeFigures {
  const c = meanCurve(runs);
  return {
    ratio: ratioAt(ebs, L),
    ratioCurve: meanSeries(ebs.map((e) => e.ratio)),
    valLoss: mean(runs.map((r) => mean(r.windowLoss))),
    valKL: mean(runs.map((r) => mean(r.windowKL))),
    ownPerStep: mean(ebs.map((e) => e.accModel[L - 1] / L)),
    curve: { step: c.step, valLoss: c.valLoss },
  };
}

function scheduleFigures(
  ctx: LabContext,
  q: Q4Context,
  feed: FeedSpec & { kind: "scheduled-sampling" },
  tf: { runs: TrainedRun[]; ebs: ExposureBias[] },
): ScheduleFigures {
  const L = q.setup.maxLength;
  const runs = runsOf(ctx, q, feed);
  const ebs = biasOf(ctx, q, runs);
  const gap = (e: ExposureBias) => Math.abs(e.ratio[L - 1] - 1);
  return {
    ...modeFigures(runs, ebs, L),
    schedule: feed.schedule,
    name: feedLabel(feed),
    gapChange: estimate(
      ebs.map((e, i) => gap(e) - gap(tf.ebs[i])),
      ebs.map((e, i) => Math.hypot(e.ratioSE[L - 1], tf.ebs[i].ratioSE[L - 1])),
    ),
    valLossChange: pairedFinal(runs, tf.runs, "windowLoss"),
    groundTruthFed: mean(runs.map((r) => mean(r.groundTruthFraction))),
  };
}

function measureScheduledSampling(stated: ScheduledSamplingStated, ctx: LabContext): ScheduledSamplingData {
  const q = q4Context(ctx);
  const L = q.setup.maxLength;
  const runs = runsOf(ctx, q, TEACHER_FORCING);
  const tf = { runs, ebs: biasOf(ctx, q, runs) };
  return {
    setup: q.setup,
    oracleLoss: q.data.oracleLoss,
    teacherForcing: modeFigures(tf.runs, tf.ebs, L),
    schedules: stated.schedules.map((schedule) =>
      scheduleFigures(ctx, q, { kind: "scheduled-sampling", schedule, pick: stated.pick }, tf),
    ),
  };
}

const f = (x: number, digits = 3) => formatNumber(x, digits);
const changes = (rows: ScheduleFigures[]) => rows.map((r) => pm(r.gapChange.mean, r.gapChange.se)).join(", ");

function evidence(d: ScheduledSamplingData, stated: ScheduledSamplingStated): string {
  const { setup, teacherForcing: tf } = d;
  const L = setup.maxLength;
  const narrowing = stated.effect === "narrows";
  const rows = d.schedules
    .map(
      (r) =>
        `${r.name}: ratio ${pm(r.ratio.mean, r.ratio.se)}, gap change ${pm(r.gapChange.mean, r.gapChange.se)}, validation loss ${signedPm(r.valLossChange)} nats, own-rollout error ${f(r.ownPerStep)} per step, ground truth fed ${f(r.groundTruthFed)} of the time`,
    )
    .join("; ");
  return [
    `${setup.seeds} seed(s) per mode, ${setup.steps} steps, the same ${setup.cell.toUpperCase()} (H = ${setup.hidden}) and oracle text; the model's token is ${stated.pick === "sample" ? "sampled from its softmax" : "its argmax"} and fed back as a constant for backpropagation.`,
    `Teacher forcing: validation loss ${f(tf.valLoss)} nats/char, exposure-bias ratio ${pm(tf.ratio.mean, tf.ratio.se)} at l = ${L}, own-rollout error ${f(tf.ownPerStep)} per step.`,
    `Scheduled sampling (gap = $\\lvert \\text{ratio} - 1\\rvert$, change against teacher forcing from the same seed; validation loss as the paired difference from teacher forcing): ${rows}.`,
    `Decision: a schedule ${narrowing ? "narrows" : "widens"} the gap when the change is ${narrowing ? `below -${Z}` : `above ${Z}`} standard errors; holds if every schedule does${narrowing ? " without a significantly higher validation loss" : ""}, partly if some do.`,
  ].join(" ");
}

function correction(
  d: ScheduledSamplingData,
  verdict: Verdict,
  stated: ScheduledSamplingStated,
): string | null {
  if (verdict === "holds") return null;
  const rows = d.schedules;
  const widening = rows.filter(widens);
  const narrowing = rows.filter(narrows);
  const kinds = (list: ScheduleFigures[]) => list.map((r) => r.schedule.kind).join(" and ");
  if (stated.effect === "widens")
    return widening.length > 0
      ? `Scheduled sampling widens the gap only with ${kinds(widening)} (gap changes ${changes(rows)}), not with every schedule.`
      : `Scheduled sampling widens the gap with no schedule measurably (gap changes ${changes(rows)}).`;
  const L = d.setup.maxLength;
  const tf = d.teacherForcing.ratio;
  const lossText = `the validation loss ${rows.every(costly) ? "rose with every schedule" : "changed"} (${rows.map((r) => signedPm(r.valLossChange)).join(", ")} nats)`;
  if (widening.length === rows.length)
    return `At this budget scheduled sampling widens the gap instead: with every schedule the ratio at l = ${L} rises above teacher forcing's ${f(tf.mean, 4)} (${rows.map((r) => f(r.ratio.mean, 4)).join(", ")}), and ${lossText}. The same computation with effect "widens" gives holds.`;
  if (narrowing.length > 0) {
    const onlyByCost = narrowing.length === rows.length && rows.some(costly);
    return `Only with ${narrowing.map((r) => r.name).join(" and ")}${onlyByCost ? ", and only at the cost of a higher validation loss" : ""}: gap change ${changes(narrowing)}; with the other schedules ${changes(rows.filter((r) => !narrows(r)))}.`;
  }
  return `With no schedule did scheduled sampling narrow the gap at this budget (gap changes ${changes(rows)} against teacher forcing's ratio ${pm(tf.mean, tf.se)})${widening.length > 0 ? `; it widened it significantly with ${kinds(widening)}` : ""}, and ${lossText}.`;
}

function figures(d: ScheduledSamplingData, stated: ScheduledSamplingStated): Figure[] {
  const { setup, teacherForcing: tf } = d;
  const L = setup.maxLength;
  const lengths = Array.from({ length: L }, (_, i) => i + 1);
  const ratioLine = (name: string, ratio: number[]) => {
    const t = thin(lengths, ratio, thinEvery(L));
    return series(name, t.x, t.y);
  };
  const stepAxis = Array.from({ length: setup.steps }, (_, i) => i);
  const epsThin = Math.max(1, Math.floor(setup.steps / 100));
  return [
    {
      id: "q4-scheduled-sampling-eps",
      title: "$\\varepsilon_i$: probability of feeding the ground truth at training step $i$",
      caption:
        "Each schedule decays from 1 to its final $\\varepsilon$ at the end of the budget; teacher forcing is $\\varepsilon = 1$ throughout.",
      spec: {
        kind: "line",
        x: { label: "training step i" },
        y: { label: "εᵢ", domain: [0, 1] },
        series: stated.schedules.map((s) => {
          const t = thin(stepAxis, epsCurve(s, setup.steps), epsThin);
          return series(s.kind, t.x, t.y);
        }),
        rules: [{ axis: "y", value: 1, label: "teacher forcing" }],
      },
    },
    {
      id: "q4-scheduled-sampling-learning-curves",
      title: "Validation loss (teacher forced) per schedule",
      caption: `Mean over ${setup.seeds} seed(s); the oracle's own loss is the floor.`,
      spec: {
        kind: "line",
        x: { label: "training step" },
        y: { label: "validation loss (nats/char)" },
        series: [
          series("teacher forcing", tf.curve.step, tf.curve.valLoss),
          ...d.schedules.map((r) => series(r.schedule.kind, r.curve.step, r.curve.valLoss)),
        ],
        rules: [{ axis: "y", value: d.oracleLoss, label: "oracle" }],
      },
    },
    {
      id: "q4-scheduled-sampling-ratio",
      title: "Exposure-bias curves per training mode",
      caption: `${RATIO_TEX}, mean over seeds: 1 = no gap between the error on true contexts and on the model's own.`,
      spec: {
        kind: "line",
        x: { label: "length l" },
        y: { label: "ratio" },
        series: [
          ratioLine("teacher forcing", tf.ratioCurve),
          ...d.schedules.map((r) => ratioLine(r.schedule.kind, r.ratioCurve)),
        ],
        rules: [{ axis: "y", value: 1 }],
      },
    },
  ];
}

function table(d: ScheduledSamplingData): Table {
  const L = d.setup.maxLength;
  const row = (name: string, fed: number, m: ModeFigures) => [
    name,
    fed,
    m.valLoss,
    m.valKL,
    m.ratio.mean,
    m.ratio.se,
    m.ownPerStep,
  ];
  return {
    kind: "grid",
    title: `Teacher forcing and scheduled sampling at ${d.setup.steps} steps (mean over seeds)`,
    columns: [
      "mode",
      "ground truth fed",
      "val loss",
      "val KL",
      `ratio at l = ${L}`,
      "± SE",
      "own-rollout error / step",
    ],
    rows: [
      row("teacher forcing", 1, d.teacherForcing),
      ...d.schedules.map((r) => row(r.name, r.groundTruthFed, r)),
    ],
  };
}

export const scheduledSampling = defineExperiment<ScheduledSamplingStated, ScheduledSamplingData>({
  id: "Q4.scheduled-sampling",
  question: "Q4",
  title: "Scheduled sampling narrows the train-inference gap",
  claim:
    "At each step, use the ground-truth token with probability $\\varepsilon$ and the model's own prediction otherwise, with $\\varepsilon$ decaying over training by a schedule; this narrows the gap between training and inference.",
  stated: {
    schedules: [
      { kind: "linear", endEps: 0.5 },
      { kind: "exponential", endEps: 0.5 },
      { kind: "inverse-sigmoid", endEps: 0.5 },
    ],
    pick: "sample",
    effect: "narrows",
  },
  cost: 75,
  measure: measureScheduledSampling,
  judge: judgeScheduledSampling,
  describe: (data, verdict, stated): Description => ({
    evidence: evidence(data, stated),
    correction: correction(data, verdict, stated),
    figures: figures(data, stated),
    tables: [table(data)],
  }),
});
