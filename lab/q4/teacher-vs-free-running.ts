// Q4.teacher-forcing: teacher forcing against feeding the model's own predictions, same model, text and
// budget: what is fed, whether the loss grows along the training window, and how fast each learns.

import type { Figure, Table } from "../../src/report/index.js";
import { formatNumber, texToText } from "../format.js";
import { type Description, defineExperiment, type LabContext, type Verdict } from "../types.js";
import { FASTER, KL_TEX, series, Z } from "./common.js";
import { type FeedSpec, feedLabel, resolveFeed, TEACHER_FORCING } from "./feeds.js";
import { type Q4Context, type Q4Setup, q4Context } from "./setup.js";
import { type Estimate, estimate, last, mean, meanSeries, pm, se, stepsToReach } from "./stats.js";
import {
  fedLossByPosition,
  meanCurve,
  type PositionLoss,
  pairedFinal,
  runsOf,
  type TrainedRun,
} from "./training.js";

/** The claim as data: teacher forcing feeds the ground-truth token at every step (a fraction
 *  `fedFraction` = 1 of the inputs), which removes the accumulation of errors in training and makes
 *  learning easier and faster than feeding the model's own predictions (`alternative`: free running
 *  after a true first token). */
export interface TeacherForcingStated {
  fedFraction: number;
  alternative: FeedSpec;
}

/** A mode's validation curves: the mean over seeds, and each seed's loss. */
export interface ModeCurves {
  step: number[];
  valLoss: number[];
  valKL: number[];
  seeds: { seed: number; valLoss: number[] }[];
}

export interface TeacherForcingData {
  setup: Q4Setup;
  /** The oracle's own loss on the validation text: the floor of every model (nats/char). */
  oracleLoss: number;
  /** Fraction of the inputs that were ground truth over training. */
  fedFraction: { teacher: number; alternative: number };
  /** Loss growth along the validation windows (last half minus first quarter of the positions):
   *  the teacher-forced models fed the truth, the same models fed as the alternative, and the
   *  alternative's models fed as they were trained. */
  growth: { teacher: Estimate; ownFed: Estimate; alternative: Estimate };
  /** Mean loss at each window position, same three cases. */
  positionLoss: { teacher: number[]; ownFed: number[]; alternative: number[] };
  /** Final validation loss and KL to the oracle, alternative minus teacher forcing, paired. */
  finalLossGap: Estimate;
  finalKLGap: Estimate;
  curves: { teacher: ModeCurves; alternative: ModeCurves };
}

/** The fed fraction is the claim's, the loss does not grow along the window fed the truth, and it
 *  does when the same model is fed its own predictions. */
export function removesAccumulation(d: TeacherForcingData, stated: TeacherForcingStated): boolean {
  const fedMatches = Math.abs(d.fedFraction.teacher - stated.fedFraction) <= 1e-12;
  const { teacher, ownFed } = d.growth;
  return fedMatches && !(teacher.mean > Z * teacher.se) && ownFed.mean > Z * ownFed.se;
}

/** Budget / the step at which teacher forcing first reaches the alternative's final loss (0: never;
 *  ∞: already at step 0). */
export function speedup(d: TeacherForcingData): number {
  const { teacher, alternative } = d.curves;
  const reach = stepsToReach(teacher.step, teacher.valLoss, last(alternative.valLoss));
  return reach === null ? 0 : reach === 0 ? Number.POSITIVE_INFINITY : d.setup.steps / reach;
}

/** Final loss and KL lower by more than Z standard errors, and the alternative's final loss reached
 *  within 1/FASTER of the budget. */
export function learnsFaster(d: TeacherForcingData): boolean {
  const easier = d.finalLossGap.mean > Z * d.finalLossGap.se && d.finalKLGap.mean > Z * d.finalKLGap.se;
  return easier && speedup(d) >= FASTER;
}

/** Both parts: holds; one: partly; neither: fails. */
export function judgeTeacherForcing(d: TeacherForcingData, stated: TeacherForcingStated): Verdict {
  const removes = removesAccumulation(d, stated);
  const learns = learnsFaster(d);
  return removes && learns ? "holds" : removes || learns ? "partly" : "fails";
}

/** Per window: mean loss over the last half of the positions minus over the first quarter; the mean
 *  over windows and seeds with its standard error. */
function growth(list: PositionLoss[]): Estimate {
  const perRun = list.map(({ T, windows, loss }) => {
    const g = new Float64Array(windows);
    const q = Math.max(1, Math.floor(T / 4));
    for (let w = 0; w < windows; w++) {
      const row = loss.subarray(w * T, (w + 1) * T);
      g[w] = mean(row.subarray(Math.floor(T / 2))) - mean(row.subarray(0, q));
    }
    return g;
  });
  return estimate(
    perRun.map((g) => mean(g)),
    perRun.map((g) => se(g)),
  );
}

/** The mean loss at each position, over windows and runs. */
function byPosition(list: PositionLoss[]): number[] {
  return meanSeries(
    list.map(({ T, windows, loss }) =>
      Array.from({ length: T }, (_, t) => {
        let s = 0;
        for (let w = 0; w < windows; w++) s += loss[w * T + t];
        return s / windows;
      }),
    ),
  );
}

function curvesOf(runs: TrainedRun[]): ModeCurves {
  const seeds = runs.map((r) => ({ seed: r.seed, valLoss: r.curve.map((p) => p.valLoss) }));
  return { ...meanCurve(runs), seeds };
}

/** Validation loss along the windows under each feeding: the teacher-forced models fed the truth
 *  and fed as the alternative, and the alternative's own models. */
function positionLosses(
  ctx: LabContext,
  q: Q4Context,
  tf: TrainedRun[],
  alt: TrainedRun[],
  altFeed: FeedSpec,
) {
  const altMode = resolveFeed(altFeed, q.setup.steps);
  const altEps = altMode.kind === "scheduled-sampling" ? alt[0].eps[q.setup.steps - 1] : 0;
  ctx.progress("Q4: loss along training windows under each feeding");
  const rng = (label: string, seed: number) => ctx.rng(`q4:fed-loss:${label}:${seed}`);
  const teacher = tf.map((r) => fedLossByPosition(r.model, q.data, TEACHER_FORCING, 1, rng("tf", r.seed)));
  const ownFed = tf.map((r) => fedLossByPosition(r.model, q.data, altMode, altEps, rng("own", r.seed)));
  const alternative = alt.map((r) => fedLossByPosition(r.model, q.data, altMode, altEps, rng("alt", r.seed)));
  return { teacher, ownFed, alternative };
}

function measureTeacherForcing(stated: TeacherForcingStated, ctx: LabContext): TeacherForcingData {
  const q = q4Context(ctx);
  const tf = runsOf(ctx, q, TEACHER_FORCING);
  const alt = runsOf(ctx, q, stated.alternative);
  const fed = (runs: TrainedRun[]) => mean(runs.map((r) => mean(r.groundTruthFraction)));
  const losses = positionLosses(ctx, q, tf, alt, stated.alternative);
  return {
    setup: q.setup,
    oracleLoss: q.data.oracleLoss,
    fedFraction: { teacher: fed(tf), alternative: fed(alt) },
    growth: {
      teacher: growth(losses.teacher),
      ownFed: growth(losses.ownFed),
      alternative: growth(losses.alternative),
    },
    positionLoss: {
      teacher: byPosition(losses.teacher),
      ownFed: byPosition(losses.ownFed),
      alternative: byPosition(losses.alternative),
    },
    finalLossGap: pairedFinal(alt, tf, "windowLoss"),
    finalKLGap: pairedFinal(alt, tf, "windowKL"),
    curves: { teacher: curvesOf(tf), alternative: curvesOf(alt) },
  };
}

const f = (x: number, digits = 3) => formatNumber(x, digits);
const speedText = (s: number) => (Number.isFinite(s) ? f(s) : "unbounded");

function evidence(d: TeacherForcingData, stated: TeacherForcingStated): string {
  const { setup, growth: g } = d;
  const { teacher: cTF, alternative: cAlt } = d.curves;
  const alt = feedLabel(stated.alternative);
  const half = Math.floor(cTF.step.length / 2);
  const reach = stepsToReach(cTF.step, cTF.valLoss, last(cAlt.valLoss));
  const lowerAt = cTF.step.filter((_, i) => i > 0 && cTF.valLoss[i] < cAlt.valLoss[i]).length;
  return [
    `${setup.seeds} seed(s) per mode, ${setup.steps} steps each, the same ${setup.cell.toUpperCase()} (H = ${setup.hidden}, T = ${setup.seqLen}, B = ${setup.batch}, Adam ${setup.lr}) on the same text from a ${setup.order}-gram oracle (its own loss ${f(d.oracleLoss)} nats/char).`,
    `Fraction of inputs that were ground truth over training: ${f(d.fedFraction.teacher, 4)} under teacher forcing (claimed ${stated.fedFraction}), ${f(d.fedFraction.alternative, 4)} under ${alt}.`,
    `Loss of the true next token along the validation windows (last half minus first quarter of the ${setup.seqLen} positions, nats): the teacher-forced models fed the truth ${pm(g.teacher.mean, g.teacher.se)}, the same models fed as ${alt} ${pm(g.ownFed.mean, g.ownFed.se)} (the ${alt} models themselves ${pm(g.alternative.mean, g.alternative.se)}).`,
    `Teacher-forced validation loss at step ${cTF.step[half]}: ${f(cTF.valLoss[half])} against ${f(cAlt.valLoss[half])}; at step ${setup.steps}: ${f(last(cTF.valLoss))} against ${f(last(cAlt.valLoss))} (paired difference ${pm(d.finalLossGap.mean, d.finalLossGap.se)}), KL to the oracle ${f(last(cTF.valKL))} against ${f(last(cAlt.valKL))} (${pm(d.finalKLGap.mean, d.finalKLGap.se)}); teacher forcing is lower at ${lowerAt} of ${cTF.step.length - 1} evaluations and reaches the ${alt} final loss ${reach === null ? "never" : `at step ${reach}`} (speed-up ${speedText(speedup(d))}).`,
    `Decision: (A) removes accumulation = the fed fraction equals the claim's and the loss does not rise along the window (growth not above ${Z} SE) while it does when the same model is fed its own predictions; (B) easier and faster = final loss and KL lower by more than ${Z} SE and the other's final loss reached within 1/${FASTER} of the budget. Both: holds; one: partly.`,
  ].join(" ");
}

function correction(d: TeacherForcingData, verdict: Verdict, stated: TeacherForcingStated): string | null {
  const alt = feedLabel(stated.alternative);
  const fed = f(d.fedFraction.teacher, 4);
  const gap = pm(d.finalLossGap.mean, d.finalLossGap.se);
  const s = speedup(d);
  if (verdict === "holds") return null;
  if (verdict === "fails")
    return `Neither part held: fed fraction ${fed} (claimed ${stated.fedFraction}), final loss difference ${gap} nats.`;
  if (removesAccumulation(d, stated))
    return `Teacher forcing feeds only ground truth (fraction ${fed}) and the training loss does not accumulate along the window, but against ${alt} it did not learn measurably easier or faster here (final loss difference ${gap}, speed-up ${speedText(s)}).`;
  const { teacher, ownFed } = d.growth;
  return `Teacher forcing learns easier and faster than ${alt} (final loss lower by ${gap} nats, the other's final loss reached ${Number.isFinite(s) ? `${f(s)} times` : "immediately"} sooner), but the accumulation check failed: fed fraction ${fed} (claimed ${stated.fedFraction}), growth along the window ${pm(teacher.mean, teacher.se)} nats fed the truth, ${pm(ownFed.mean, ownFed.se)} fed its own predictions.`;
}

const BLUE = "#1f77b4";
const ORANGE = "#ff7f0e";

function figures(d: TeacherForcingData, stated: TeacherForcingStated): Figure[] {
  const alt = feedLabel(stated.alternative);
  // Legends are drawn by the plot, not typeset: plain text.
  const altName = texToText(alt);
  const { teacher: cTF, alternative: cAlt } = d.curves;
  const perSeed = (c: ModeCurves, name: string, color: string) =>
    c.seeds.length < 2
      ? []
      : c.seeds.map((s) =>
          series(`${name}, seed ${s.seed}`, c.step, s.valLoss, { width: 0.75, opacity: 0.4, color }),
        );
  const positions = Array.from({ length: d.setup.seqLen }, (_, i) => i);
  return [
    {
      id: "q4-teacher-forcing-learning-curves",
      title: "Validation loss (teacher forced) during training",
      caption: `Mean over ${d.setup.seeds} seed(s); thin lines: single seeds. The oracle's own loss is the floor.`,
      spec: {
        kind: "line",
        x: { label: "training step" },
        y: { label: "validation loss (nats/char)" },
        series: [
          series("teacher forcing", cTF.step, cTF.valLoss, { width: 2.5, color: BLUE }),
          series(altName, cAlt.step, cAlt.valLoss, { width: 2.5, color: ORANGE }),
          ...perSeed(cTF, "teacher forcing", BLUE),
          ...perSeed(cAlt, altName, ORANGE),
        ],
        rules: [{ axis: "y", value: d.oracleLoss, label: "oracle" }],
      },
    },
    {
      id: "q4-teacher-forcing-kl-curves",
      title: "KL to the oracle on true contexts during training",
      caption: `Mean ${KL_TEX} over the validation positions, mean over seeds.`,
      spec: {
        kind: "line",
        x: { label: "training step" },
        y: { label: "KL (nats/char)", log: true },
        series: [
          series("teacher forcing", cTF.step, cTF.valKL, { color: BLUE }),
          series(altName, cAlt.step, cAlt.valKL, { color: ORANGE }),
        ],
      },
    },
    {
      id: "q4-teacher-forcing-position-loss",
      title: "Loss along the training window, by what is fed",
      caption: `Loss of the true next token at each position of the validation windows: the teacher-forced models fed the truth, the same models fed as ${alt}, and the ${alt} models.`,
      spec: {
        kind: "line",
        x: { label: "position in the window" },
        y: { label: "loss (nats)" },
        series: [
          series("teacher-forced model, fed the truth", positions, d.positionLoss.teacher),
          series(`teacher-forced model, fed as ${altName}`, positions, d.positionLoss.ownFed),
          series(`${altName} model`, positions, d.positionLoss.alternative, { dashed: true }),
        ],
      },
    },
  ];
}

function table(d: TeacherForcingData, stated: TeacherForcingStated): Table {
  const alt = feedLabel(stated.alternative);
  const { teacher: cTF, alternative: cAlt } = d.curves;
  return {
    kind: "grid",
    title: `Teacher forcing against ${alt} (${d.setup.steps} steps, mean over seeds)`,
    columns: ["", "ground truth fed", "final val loss", "final KL", "growth along window"],
    rows: [
      ["teacher forcing", d.fedFraction.teacher, last(cTF.valLoss), last(cTF.valKL), d.growth.teacher.mean],
      [alt, d.fedFraction.alternative, last(cAlt.valLoss), last(cAlt.valKL), d.growth.alternative.mean],
    ],
  };
}

export const teacherForcing = defineExperiment<TeacherForcingStated, TeacherForcingData>({
  id: "Q4.teacher-forcing",
  question: "Q4",
  title: "Teacher forcing removes accumulation, learns faster",
  claim:
    "Feeding the ground-truth token instead (teacher forcing) removes that accumulation during training and makes learning easier and faster.",
  stated: { fedFraction: 1, alternative: { kind: "free-running", prefix: 1 } },
  cost: 25,
  measure: measureTeacherForcing,
  judge: judgeTeacherForcing,
  describe: (data, verdict, stated): Description => ({
    evidence: evidence(data, stated),
    correction: correction(data, verdict, stated),
    figures: figures(data, stated),
    tables: [table(data, stated)],
  }),
});
