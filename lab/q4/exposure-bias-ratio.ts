// Q4.exposure-bias: the accumulated KL to the oracle along a model's own rollouts over that along
// oracle continuations of the same prefixes (the exposure-bias ratio), at parameter snapshots along
// training. Each stage is worse, not worse, or not told apart at this budget.

import type { Figure, Table } from "../../src/report/index.js";
import { formatNumber } from "../format.js";
import { type Description, defineExperiment, type LabContext, type Verdict } from "../types.js";
import { band, KL_TEX, MIN_EXCESS, RATIO_TEX, series, thin, thinEvery, Z } from "./common.js";
import { biasOf, ratioAt } from "./exposure.js";
import { type FeedSpec, feedLabel } from "./feeds.js";
import { type Q4Setup, q4Context, q4Setup } from "./setup.js";
import { type Estimate, mean, meanSeries, pm } from "./stats.js";
import { finalLoss, runsOf } from "./training.js";

/** The claim as data: a model trained with `training` (teacher forcing: it never sees its own
 *  mistakes) does worse at inference, fed its own outputs (sampled at `temperature`), than its
 *  training suggests. */
export interface ExposureBiasStated {
  training: FeedSpec;
  temperature: number;
}

/** The ratio at l = L of the models' parameters at one training step. */
export interface Stage {
  step: number;
  ratio: Estimate;
  /** Mean validation KL to the oracle on true contexts at that step. */
  valKL: number;
}

export interface ExposureBiasData {
  setup: Q4Setup;
  rollouts: number;
  /** Along training, the full budget last. */
  stages: Stage[];
  /** What training suggests: the final validation KL on true contexts. */
  trainingKL: Estimate;
  /** Final models, per step over l = 1..L, mean over seeds: KL along their own rollouts and along
   *  oracle continuations. */
  ownPerStep: number;
  oraclePerStep: number;
  /** The final ratio at l = min(10, L) and l = max(1, ⌊L/4⌋). */
  ratioAt10: Estimate;
  ratioAtQuarter: Estimate;
  /** ratio(l) of each seed's final model, l = 1..L. */
  ratioCurves: { seed: number; ratio: number[] }[];
  perSeed: { seed: number; valKL: number; oraclePerStep: number; ownPerStep: number }[];
}

/** worse: above 1 by more than Z standard errors and by more than MIN_EXCESS; not worse: below
 *  1 + MIN_EXCESS by more than Z standard errors; unsettled: neither, the interval straddles. */
export type StageFinding = "worse" | "not worse" | "unsettled";

export function stageFinding(ratio: { mean: number; se: number }): StageFinding {
  const excess = ratio.mean - 1;
  if (excess > Z * ratio.se && excess > MIN_EXCESS) return "worse";
  if (excess + Z * ratio.se < MIN_EXCESS) return "not worse";
  return "unsettled";
}

/** holds: worse at every stage; partly: at some; fails: not worse at every stage. Inconclusive
 *  when no stage is worse and some stage is unsettled: the measure cannot tell fails from partly. */
export function judgeExposureBias(data: ExposureBiasData): Verdict {
  const findings = data.stages.map((s) => stageFinding(s.ratio));
  const worse = findings.filter((x) => x === "worse").length;
  if (worse === findings.length) return "holds";
  if (worse > 0) return "partly";
  return findings.every((x) => x === "not worse") ? "fails" : "inconclusive";
}

/** The standard error at which a stage's ratio, its mean unchanged, would be settled: worse if the
 *  mean is above 1 + MIN_EXCESS, not worse if below (0 exactly at it: nothing settles that). */
export function settlingSE(ratio: { mean: number; se: number }): number {
  const excess = ratio.mean - 1;
  return Math.abs(excess > MIN_EXCESS ? excess : MIN_EXCESS - excess) / Z;
}

function measureExposureBias(stated: ExposureBiasStated, ctx: LabContext): ExposureBiasData {
  const q = q4Context(ctx);
  const { setup } = q;
  const L = setup.maxLength;
  const runs = runsOf(ctx, q, stated.training);
  const steps = [...new Set([...setup.snapshots.filter((s) => s < setup.steps), setup.steps])];
  const valKLAt = (step: number) =>
    mean(runs.map((r) => r.curve.find((p) => p.step === step)?.valKL ?? Number.NaN));
  const stages = steps.map((step) => ({
    step,
    ratio: ratioAt(biasOf(ctx, q, runs, stated.temperature, step), L),
    valKL: valKLAt(step),
  }));
  const ebs = biasOf(ctx, q, runs, stated.temperature);
  return {
    setup,
    rollouts: ebs[0].rollouts,
    stages,
    trainingKL: finalLoss(runs, "windowKL"),
    ownPerStep: mean(ebs.map((e) => e.accModel[L - 1] / L)),
    oraclePerStep: mean(ebs.map((e) => e.accOracle[L - 1] / L)),
    ratioAt10: ratioAt(ebs, Math.min(10, L)),
    ratioAtQuarter: ratioAt(ebs, Math.max(1, Math.floor(L / 4))),
    ratioCurves: ebs.map((e, i) => ({ seed: runs[i].seed, ratio: e.ratio })),
    perSeed: runs.map((r, i) => ({
      seed: r.seed,
      valKL: mean(r.windowKL),
      oraclePerStep: ebs[i].accOracle[L - 1] / L,
      ownPerStep: ebs[i].accModel[L - 1] / L,
    })),
  };
}

const f = (x: number, digits = 3) => formatNumber(x, digits);
const final = (d: ExposureBiasData) => d.stages[d.stages.length - 1].ratio;
const modelName = (stated: ExposureBiasStated) =>
  stated.training.kind === "teacher-forcing" ? "teacher-forced" : feedLabel(stated.training);
const stagesText = (stages: Stage[]) =>
  stages.map((s) => `${pm(s.ratio.mean, s.ratio.se)} at step ${s.step} (val KL ${f(s.valKL)})`).join(", ");

function trend(d: ExposureBiasData): "growing" | "shrinking" | "flat" {
  const r = final(d);
  const limit = Z * Math.hypot(r.se, d.ratioAt10.se);
  return r.mean - d.ratioAt10.mean > limit
    ? "growing"
    : d.ratioAt10.mean - r.mean > limit
      ? "shrinking"
      : "flat";
}

const TREND = {
  growing: "it grows with l",
  shrinking: "it is largest at short lengths and does not grow with l (no compounding)",
  flat: "it does not change significantly with l",
};

function evidence(d: ExposureBiasData, stated: ExposureBiasStated): string {
  const { setup } = d;
  const L = setup.maxLength;
  const r = final(d);
  return [
    `${d.perSeed.length} ${setup.cell.toUpperCase()} model(s) (H = ${setup.hidden}) trained with ${feedLabel(stated.training)} for ${setup.steps} steps on text from a known ${setup.order}-gram oracle.`,
    `What training suggests: ${KL_TEX} on true contexts, ${pm(d.trainingKL.mean, d.trainingKL.se)} nats/char on the validation text; along oracle continuations of ${d.rollouts} true prefixes ${f(d.oraclePerStep)} per step.`,
    `At inference, fed its own samples (temperature ${stated.temperature}), ${f(d.ownPerStep)} per step over ${L} steps.`,
    `Accumulated ratio ${RATIO_TEX} (mean ± standard error over seeds and rollouts): ${pm(d.ratioAt10.mean, d.ratioAt10.se)} at l = ${Math.min(10, L)}, ${pm(d.ratioAtQuarter.mean, d.ratioAtQuarter.se)} at l = ${Math.max(1, Math.floor(L / 4))}, ${pm(r.mean, r.se)} at l = ${L} (per seed ${r.values.map((v) => f(v, 4)).join(", ")}); ${TREND[trend(d)]}.`,
    `Along training (ratio at l = ${L}): ${stagesText(d.stages)}.`,
    `Decision: a stage is worse than training suggests when the ratio at l = ${L} exceeds 1 by more than ${Z} standard errors and by more than ${MIN_EXCESS * 100} %, and not worse when it is below 1 + ${MIN_EXCESS * 100} % by more than ${Z} standard errors; holds if worse at every stage of training measured, partly if at some, fails if not worse at every one, inconclusive if none is worse and some cannot be told either way.`,
  ].join(" ");
}

/** What would settle the unsettled stages: the standard error each needs, and how many more
 *  seeds × rollouts that takes (the error falls as 1/√(seeds × rollouts)). */
function settlingText(d: ExposureBiasData): string {
  const open = d.stages.filter((s) => stageFinding(s.ratio) === "unsettled");
  const needs = open.map((s) => ({ s, target: settlingSE(s.ratio) }));
  const factor = Math.max(...needs.map(({ s, target }) => (s.ratio.se / target) ** 2));
  const here = d.setup.seeds * d.setup.rollouts;
  const full = q4Setup(false);
  const fullNote =
    full.seeds * full.rollouts > here
      ? `; the full lab (\`rnnlab lab\` without --quick: ${full.steps} training steps, ${full.seeds} seeds × ${full.rollouts} rollouts of ${full.maxLength} steps) measures ${f((full.seeds * full.rollouts) / here)} times as many`
      : "";
  const oneSeed =
    d.setup.seeds === 1
      ? " (with 1 seed the spread between training seeds is not in the error at all: take at least 2)"
      : "";
  return `Settling it needs a standard error of the ratio below ${needs
    .map(({ s, target }) => `${f(target, 2)} at step ${s.step} (now ${f(s.ratio.se, 2)})`)
    .join(
      ", ",
    )}: about ${Number.isFinite(factor) ? f(factor, 2) : "infinitely many"} times this run's ${d.setup.seeds} seed(s) × ${d.setup.rollouts} rollouts${oneSeed}${fullNote}.`;
}

function correction(d: ExposureBiasData, verdict: Verdict, stated: ExposureBiasStated): string | null {
  const L = d.setup.maxLength;
  const r = final(d);
  const name = modelName(stated);
  const worse = d.stages.filter((s) => stageFinding(s.ratio) === "worse");
  const notWorse = d.stages.filter((s) => stageFinding(s.ratio) !== "worse");
  switch (verdict) {
    case "holds":
      return null;
    case "inconclusive":
      return `Not settled at this budget: no stage is measurably worse, but the ratio ${stagesText(d.stages.filter((s) => stageFinding(s.ratio) === "unsettled"))} is neither shown worse (above 1 by ${Z} standard errors and by more than ${MIN_EXCESS * 100} %) nor shown not worse (below 1 + ${MIN_EXCESS * 100} % by ${Z} standard errors), so the measure cannot tell fails from partly. ${settlingText(d)}`;
    case "fails":
      return `Fed its own outputs, the ${name} model does not do worse than its training suggests: its error along its own rollouts is ${f(d.ownPerStep)} nats per step against ${f(d.oraclePerStep)} along true continuations (ratio ${pm(r.mean, r.se)} at l = ${L}${r.mean < 1 ? ": better on its own contexts" : ", within noise of 1"}), at every stage measured (${stagesText(d.stages)}).`;
    case "partly":
      return stageFinding(r) === "worse"
        ? `Only once trained far enough, and only by a few percent: from step ${worse[0].step} the ${name} model's error along its own rollouts exceeds what its training suggests (ratio ${stagesText(worse)}; ${trend(d) === "growing" ? "growing with l" : "largest at short lengths, not growing with l"}), but not measurably before (${stagesText(notWorse)}): a less trained model does no worse on its own outputs, or even better.`
        : `Only at some stages of training: the ratio is significantly above 1 at ${stagesText(worse)}, but not at ${stagesText(notWorse)}, the full budget included.`;
  }
}

function figures(d: ExposureBiasData, stated: ExposureBiasStated): Figure[] {
  const L = d.setup.maxLength;
  const lengths = Array.from({ length: L }, (_, i) => i + 1);
  const every = thinEvery(L);
  const mean = thin(lengths, meanSeries(d.ratioCurves.map((c) => c.ratio)), every);
  const seeds =
    d.ratioCurves.length > 1
      ? d.ratioCurves.map((c) => {
          const t = thin(lengths, c.ratio, every);
          return series(`seed ${c.seed}`, t.x, t.y, { width: 0.75, opacity: 0.5 });
        })
      : [];
  const steps = d.stages.map((s) => s.step);
  const ratios = d.stages.map((s) => s.ratio.mean);
  const name = modelName(stated);
  return [
    {
      id: "q4-exposure-bias-ratio",
      title: `Exposure bias of the ${name} models`,
      caption: `${RATIO_TEX}: accumulated ${KL_TEX} along the model's own rollouts over that along oracle continuations of the same prefixes (1 = no exposure bias). Thick: mean over seeds.`,
      spec: {
        kind: "line",
        x: { label: "length l" },
        y: { label: "ratio" },
        series: [series("mean", mean.x, mean.y, { width: 2.5 }), ...seeds],
        rules: [{ axis: "y", value: 1, label: "no exposure bias" }],
      },
    },
    {
      id: "q4-exposure-bias-training",
      title: "Exposure bias along training",
      caption: `The ratio at $l = ${L}$ of the ${name} models at parameter snapshots (mean over seeds; dashed: ± ${Z} standard errors).`,
      spec: {
        kind: "line",
        x: { label: "training step" },
        y: { label: `ratio at l = ${L}` },
        series: [
          series("ratio", steps, ratios, { dots: true }),
          ...band(
            steps,
            ratios,
            d.stages.map((s) => s.ratio.se),
          ),
        ],
        rules: [{ axis: "y", value: 1 }],
      },
    },
  ];
}

function table(d: ExposureBiasData, stated: ExposureBiasStated): Table {
  const L = d.setup.maxLength;
  return {
    kind: "grid",
    title: `Exposure bias per seed (${feedLabel(stated.training)})`,
    columns: [
      "seed",
      "val KL (training)",
      "per step, oracle continuations",
      "per step, own rollouts",
      `ratio at l = ${L}`,
    ],
    rows: d.perSeed.map((s, i) => [
      s.seed,
      s.valKL,
      s.oraclePerStep,
      s.ownPerStep,
      d.ratioCurves[i].ratio[L - 1],
    ]),
  };
}

export const exposureBias = defineExperiment<ExposureBiasStated, ExposureBiasData>({
  id: "Q4.exposure-bias",
  question: "Q4",
  title: "Teacher-forced models do worse on their own outputs",
  claim:
    "A teacher-forced model never sees its own mistakes in training, so at inference, fed its own outputs, it does worse than its training suggests.",
  stated: { training: { kind: "teacher-forcing" }, temperature: 1 },
  cost: 12,
  measure: measureExposureBias,
  judge: judgeExposureBias,
  describe: (data, verdict, stated): Description => ({
    evidence: evidence(data, stated),
    correction: correction(data, verdict, stated),
    figures: figures(data, stated),
    tables: [table(data, stated)],
  }),
});
