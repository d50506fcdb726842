// Q3.clip-value and Q3.clip-norm: clipping by value against clipping by norm, on real gradients of
// an exploding RNN (the cosine between clipped and raw gradients, against the threshold and against
// the dimension) and in training where unclipped SGD diverges (loss curves, failures over seeds).

import { SequenceModel } from "../../model/sequence-model.js";
import { normsOverTime } from "../../model/grad-flow.js";
import type { Table } from "../../report/page.js";
import { plotNumber } from "../../report/spec.js";
import { clipGradNorm, clipGradValue } from "../../train/clip.js";
import { createOptimizer } from "../../train/optimizers.js";
import { medianCurve, smoothCurve } from "../gradients/curves.js";
import { fmt } from "../gradients/format.js";
import { cosine, maxAbsEntry, median, norm2, randomMatrixWithNorm } from "../gradients/linalg.js";
import { type ClipRule, evaluateRegression, trainRegression } from "../gradients/train-loop.js";
import { ADDING_BASELINE_MSE, addingBatch } from "../tasks/adding.js";
import { type ClaimResult, defineExperiment, type Experiment, type LabContext } from "../types.js";

export type ClipKind = "value" | "norm";

/** A clipped gradient "keeps the direction" when its cosine with the raw one is at least 1 − this. */
export const DIRECTION_TOLERANCE = 1e-9;
/** A training run fails when it diverges (non-finite loss or gradient, or a loss above
 *  DIVERGE_FACTOR × its first loss) or ends with a test loss above FAIL_FACTOR × the mean predictor's. */
export const DIVERGE_FACTOR = 1e3;
export const FAIL_FACTOR = 10;
/** One rule trains "better" than another with fewer failures, or as many and a median test loss
 *  lower by at least this fraction. */
export const LOSS_MARGIN = 0.1;

/** The exploding setting: a tanh RNN whose W has spectral norm 3 (tanh' <= 1, so the step Jacobians
 *  can stretch by up to 3), trained by plain SGD at a high learning rate. */
const EXPLODING_NORM = 3;
const THRESHOLD = 1;
const LR = 0.2;
const TRAIN_T = 10;
const GRAD_T = 20;
const TRAIN_H = 32;

function explodingModel(H: number, seed: number, ctx: LabContext): SequenceModel {
  const model = new SequenceModel(
    {
      cell: "rnn",
      activation: "tanh",
      straightThrough: false,
      skip: 0,
      hiddenSize: H,
      layers: 1,
      input: { kind: "dense", size: 2 },
      outputSize: 1,
      loss: "mse",
      dtype: "float64",
    },
    { rng: ctx.rng(`q3-clip-init-H${H}-${seed}`) },
  );
  model.params.set(
    "rnn.weight_hh_l0",
    randomMatrixWithNorm(ctx.rng(`q3-clip-W-H${H}-${seed}`), H, EXPLODING_NORM),
  );
  return model;
}

interface GradientSample {
  H: number;
  n: number;
  g: Float64Array;
  /** ‖dL/dh_0‖ / ‖dL/dh_T‖ of the batch: above 1 means the gradient grows going back in time. */
  growth: number;
}

/** Clips a copy of g by `kind` at `threshold` with the library's functions. */
function clipped(g: Float64Array, kind: ClipKind, threshold: number): Float64Array {
  const c = g.slice();
  if (kind === "value") clipGradValue([c], threshold);
  else clipGradNorm([c], threshold);
  return c;
}

/** Named training rules: none, norm at THRESHOLD, value at THRESHOLD (the same number) and value at
 *  THRESHOLD/√n (which bounds the clipped gradient's norm by THRESHOLD, like norm clipping). */
type RuleName = "none" | "norm" | "value" | "value/sqrt(n)";
const RULES: RuleName[] = ["none", "norm", "value", "value/sqrt(n)"];

function ruleFor(name: RuleName, n: number): ClipRule {
  if (name === "none") return { kind: "none" };
  if (name === "norm") return { kind: "norm", threshold: THRESHOLD };
  if (name === "value") return { kind: "value", threshold: THRESHOLD };
  return { kind: "value", threshold: THRESHOLD / Math.sqrt(n) };
}

interface RuleOutcome {
  rule: RuleName;
  threshold: number;
  testLosses: number[];
  diverged: number;
  failed: number;
  losses: number[][];
}

interface ClipStudy {
  samples: GradientSample[];
  fractions: number[];
  training: RuleOutcome[];
  steps: number;
  seeds: number;
  n: number;
}

function clipStudy(ctx: LabContext): ClipStudy {
  return ctx.shared("q3:clip", () => {
    ctx.progress("Q3.clip: gradients of exploding tanh RNNs");
    const sizes = ctx.quick ? [4, 16, 64] : [4, 8, 16, 32, 64, 128];
    const perSize = ctx.quick ? 2 : 3;
    const samples: GradientSample[] = [];
    for (const H of sizes) {
      for (let s = 0; s < perSize; s++) {
        const model = explodingModel(H, s, ctx);
        const batch = addingBatch(ctx.rng(`q3-clip-batch-H${H}-${s}`), GRAD_T, 16);
        const step = model.lossAndGrad(
          { T: GRAD_T, B: 16, inputs: batch.inputs },
          { values: batch.values, mask: batch.mask },
        );
        const norms = normsOverTime(step.hiddenGrads[0], GRAD_T, 16, H);
        samples.push({
          H,
          n: model.params.data.length,
          g: Float64Array.from(model.params.grad),
          growth: norms[0] / norms[GRAD_T],
        });
      }
    }
    const steps = ctx.quick ? 300 : 600;
    const seeds = ctx.quick ? 2 : 5;
    const training: RuleOutcome[] = [];
    let n = 0;
    for (const rule of RULES) {
      ctx.progress(`Q3.clip: training with clipping rule ${rule}`);
      const outcome: RuleOutcome = { rule, threshold: 0, testLosses: [], diverged: 0, failed: 0, losses: [] };
      for (let seed = 0; seed < seeds; seed++) {
        const model = explodingModel(TRAIN_H, 100 + seed, ctx);
        n = model.params.data.length;
        const clip = ruleFor(rule, n);
        outcome.threshold = clip.kind === "none" ? 0 : clip.threshold;
        const optimizer = createOptimizer({ name: "sgd", lr: LR }, n, "float64");
        const data = ctx.rng(`q3-clip-data-${seed}`);
        const run = trainRegression(model, optimizer, clip, steps, () => addingBatch(data, TRAIN_T, 16));
        const first = run.losses[0] ?? Number.NaN;
        const blewUp = run.losses.findIndex((l) => l > DIVERGE_FACTOR * first);
        const diverged = run.divergedAt !== null || blewUp >= 0;
        const test = diverged
          ? Number.NaN
          : evaluateRegression(model, addingBatch(ctx.rng(`q3-clip-test-${seed}`), TRAIN_T, 500));
        outcome.losses.push(run.losses);
        outcome.testLosses.push(test);
        if (diverged) outcome.diverged++;
        if (diverged || !(test <= FAIL_FACTOR * ADDING_BASELINE_MSE)) outcome.failed++;
      }
      training.push(outcome);
    }
    return {
      samples,
      fractions: [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001],
      training,
      steps,
      seeds,
      n,
    };
  });
}

/** Cosines of the `kind`-clipped gradient with the raw one, on the H = 32 (or largest) samples, at
 *  thresholds fraction·max|g| (value) or fraction·‖g‖ (norm) where the rule actually clips. */
function cosinesByThreshold(
  study: ClipStudy,
  kind: ClipKind,
): { fraction: number; median: number; min: number }[] {
  const H = study.samples.some((s) => s.H === 32) ? 32 : study.samples[study.samples.length - 1].H;
  const samples = study.samples.filter((s) => s.H === H);
  return study.fractions.map((fraction) => {
    const cos = samples.map((s) => {
      const threshold = fraction * (kind === "value" ? maxAbsEntry(s.g) : norm2(s.g));
      return cosine(clipped(s.g, kind, threshold), s.g);
    });
    return { fraction, median: median(cos), min: Math.min(...cos) };
  });
}

/** Per dimension: cosines at the dimension-matched threshold THRESHOLD/√n (value) or THRESHOLD (norm),
 *  and the norms after clipping at THRESHOLD by each rule. */
function byDimension(study: ClipStudy, kind: ClipKind) {
  const sizes = [...new Set(study.samples.map((s) => s.H))];
  return sizes.map((H) => {
    const samples = study.samples.filter((s) => s.H === H);
    const n = samples[0].n;
    const matched = kind === "value" ? THRESHOLD / Math.sqrt(n) : THRESHOLD;
    return {
      H,
      n,
      gradNorm: median(samples.map((s) => norm2(s.g))),
      growth: median(samples.map((s) => s.growth)),
      cosMatched: median(samples.map((s) => cosine(clipped(s.g, kind, matched), s.g))),
      cosTenthOfMax: median(samples.map((s) => cosine(clipped(s.g, kind, 0.1 * maxAbsEntry(s.g)), s.g))),
      normAfterValue: median(samples.map((s) => norm2(clipped(s.g, "value", THRESHOLD)))),
      normAfterNorm: median(samples.map((s) => norm2(clipped(s.g, "norm", THRESHOLD)))),
    };
  });
}

/** Slope of y against log10(x) by least squares. */
function slopePerDecade(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log10);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ys[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

function keepsDirection(study: ClipStudy, kind: ClipKind): { keeps: boolean; minCos: number } {
  const rows = cosinesByThreshold(study, kind);
  const dims = byDimension(study, kind);
  const minCos = Math.min(
    ...rows.map((r) => r.min),
    ...dims.map((d) => Math.min(d.cosMatched, d.cosTenthOfMax)),
  );
  return { keeps: minCos >= 1 - DIRECTION_TOLERANCE, minCos };
}

function medianTest(o: RuleOutcome): number {
  const finite = o.testLosses.filter(Number.isFinite);
  return finite.length ? median(finite) : Number.NaN;
}

/** Whether rule a trains better than rule b (fewer failures, or as many and a clearly lower loss). */
function better(a: RuleOutcome, b: RuleOutcome): boolean {
  if (a.failed !== b.failed) return a.failed < b.failed;
  const la = medianTest(a);
  const lb = medianTest(b);
  return Number.isFinite(la) && (!Number.isFinite(lb) || la < (1 - LOSS_MARGIN) * lb);
}

function describeTraining(study: ClipStudy): string {
  return study.training
    .map(
      (o) =>
        `${o.rule}${o.rule === "none" ? "" : ` (${fmt(o.threshold)})`}: ${o.diverged}/${study.seeds} diverged, ${o.failed}/${study.seeds} failed, ${Number.isFinite(medianTest(o)) ? `median test MSE ${fmt(medianTest(o))}` : "no test MSE"}`,
    )
    .join("; ");
}

function trainingSetupText(study: ClipStudy): string {
  return `tanh RNNs (H = ${TRAIN_H}, ${study.n} parameters, ||W||_2 = ${EXPLODING_NORM} at init) trained by SGD (lr ${LR}) on the adding problem (T = ${TRAIN_T}) for ${study.steps} steps, ${study.seeds} seeds per rule (diverged: non-finite, or loss above ${fmt(DIVERGE_FACTOR)} times the first; failed: diverged or test MSE above ${FAIL_FACTOR} times the mean predictor's ${fmt(ADDING_BASELINE_MSE)})`;
}

function trainingTable(study: ClipStudy): Table {
  return {
    kind: "grid",
    title: "Training in the exploding setting, per clipping rule",
    columns: ["rule", "threshold", "diverged", "failed", "median test MSE", "test MSE per seed"],
    rows: study.training.map((o) => [
      o.rule,
      o.rule === "none" ? "" : fmt(o.threshold),
      `${o.diverged}/${study.seeds}`,
      `${o.failed}/${study.seeds}`,
      Number.isFinite(medianTest(o)) ? fmt(medianTest(o)) : "",
      o.testLosses.map((l) => (Number.isFinite(l) ? fmt(l) : "diverged")).join(", "),
    ]),
  };
}

/** Training losses above this are drawn at it in the learning curves. */
const CURVE_CAP = 1e4;

function curvesFigure(study: ClipStudy) {
  const every = Math.max(1, Math.floor(study.steps / 150));
  const capped = (l: number[]) => l.map((v) => Math.min(v, CURVE_CAP));
  return {
    id: "q3-clip-norm-curves",
    title: "Learning curves per clipping rule (exploding tanh RNN, SGD)",
    caption: `Training MSE (moving average over 10 steps, losses above ${fmt(CURVE_CAP)} drawn at ${fmt(CURVE_CAP)}), median over the ${study.seeds} seeds still running, log scale; a curve that stops has diverged to NaN in every seed.`,
    spec: {
      kind: "line" as const,
      x: { label: "step" },
      y: { label: "training MSE", log: true },
      series: study.training.map((o) => {
        const m = medianCurve(o.losses.map((l) => smoothCurve(capped(l), study.steps, 10, every)));
        // ("none" would be read as a CSS colour by the plot, so the series gets a longer name.)
        const name =
          o.rule === "none"
            ? "no clipping"
            : `${o.rule === "norm" ? "norm" : "value"} at ${fmt(o.threshold)}`;
        return { name, x: m.x, y: m.y.map(plotNumber), dashed: o.rule === "none" };
      }),
      rules: [{ axis: "y" as const, value: ADDING_BASELINE_MSE, label: "mean predictor" }],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Q3.clip-value

export interface ClipValueData {
  rule: ClipKind;
  /** The seed: it "does not keep the gradient's direction". */
  keepsDirection: boolean;
}

export const clipValueExperiment = defineExperiment<ClipValueData>({
  id: "Q3.clip-value",
  question: "Q3",
  title: "Clipping by value changes the gradient's direction",
  claim:
    "Clipping by value (each component clamped to [-threshold, threshold]) is simple but does not keep the gradient's direction.",
  data: { rule: "value", keepsDirection: false },
  cost: 10,
  run(data: ClipValueData, ctx: LabContext): ClaimResult {
    const study = clipStudy(ctx);
    const measured = keepsDirection(study, data.rule);
    const verdict = measured.keeps === data.keepsDirection ? "holds" : "fails";
    const rows = cosinesByThreshold(study, data.rule);
    const dims = byDimension(study, data.rule);
    const H = study.samples.some((s) => s.H === 32) ? 32 : study.samples[study.samples.length - 1].H;
    const growth = median(study.samples.filter((s) => s.H === H).map((s) => s.growth));
    const at = (f: number) => rows.find((r) => r.fraction === f);
    const scale = data.rule === "value" ? "max|g|" : "||g||";
    const evidence =
      `Real gradients (all parameters) of exploding tanh RNNs (||W||_2 = ${EXPLODING_NORM}; the gradient grows a median ${fmt(growth)} times from h_T back to h_0 over ${GRAD_T} steps at H = ${H}), clipped by ${data.rule} with the library's functions. ` +
      `Cosine between clipped and raw gradient (median over samples at H = ${H}) at thresholds of ${scale} times ${rows.map((r) => fmt(r.fraction)).join(", ")}: ${rows.map((r) => fmt(r.median, 4)).join(", ")}; ` +
      `smallest cosine anywhere ${fmt(measured.minCos, 6)} (keeping the direction means >= 1 - ${fmt(DIRECTION_TOLERANCE)}). ` +
      (data.rule === "value"
        ? `The cosine falls as the threshold drops below the largest component (${fmt(at(0.1)?.median ?? Number.NaN, 3)} at a tenth of it) towards the sign vector's ||g||_1 / (sqrt(n) ||g||_2); ` +
          `at the threshold 1/sqrt(n), which bounds the clipped norm by 1 as norm clipping at 1 does, it is ${dims.map((d) => `${fmt(d.cosMatched, 3)} (n = ${d.n})`).join(", ")}. `
        : "") +
      `Simplicity is not measured: both rules are one pass over the gradient (library: clipGradValue, clipGradNorm).`;
    const correction =
      verdict === "holds"
        ? null
        : `Clipping by ${data.rule} ${measured.keeps ? "keeps" : "does not keep"} the direction: smallest cosine ${fmt(measured.minCos, 6)} on the same gradients.`;
    const valueRows = cosinesByThreshold(study, "value");
    const normRows = cosinesByThreshold(study, "norm");
    return {
      id: "Q3.clip-value",
      verdict,
      evidence,
      correction,
      figures: [
        {
          id: "q3-clip-value-cosine",
          title: "Cosine between the clipped and the raw gradient, against the threshold",
          caption: `Gradients of exploding tanh RNNs (H = ${H}); threshold as a fraction of max|g_i| (value) or of ||g|| (norm); median over samples.`,
          spec: {
            kind: "line",
            x: { label: "threshold / max|g_i| (value), threshold / ||g|| (norm)", log: true },
            y: { label: "cos(clipped, raw)", domain: [0, 1.02] },
            series: [
              {
                name: "by value",
                x: valueRows.map((r) => r.fraction),
                y: valueRows.map((r) => plotNumber(r.median)),
                dots: true,
              },
              {
                name: "by norm",
                x: normRows.map((r) => r.fraction),
                y: normRows.map((r) => plotNumber(r.median)),
                dots: true,
              },
            ],
          },
        },
      ],
      tables: [
        {
          kind: "grid",
          title: `Cosine after clipping by ${data.rule} (H = ${H})`,
          columns: [`threshold / ${scale}`, "median cosine", "smallest cosine"],
          rows: rows.map((r) => [fmt(r.fraction), fmt(r.median, 4), fmt(r.min, 4)]),
        },
      ],
      data: {
        claim: data,
        keepsDirection: measured.keeps,
        minCosine: measured.minCos,
        cosinesByThreshold: rows,
        byDimension: dims,
        tolerance: DIRECTION_TOLERANCE,
      },
    };
  },
});

// ---------------------------------------------------------------------------------------------
// Q3.clip-norm

export interface ClipNormData {
  rule: ClipKind;
  keepsDirection: boolean;
  /** The rule it is claimed to beat. */
  betterThan: ClipKind;
  /** "also in high dimension": keeps the direction at every dimension measured. */
  alsoHighDimension: boolean;
}

function outcomesOf(study: ClipStudy, kind: ClipKind): RuleOutcome[] {
  return study.training.filter((o) =>
    kind === "norm" ? o.rule === "norm" : o.rule === "value" || o.rule === "value/sqrt(n)",
  );
}

export const clipNormExperiment = defineExperiment<ClipNormData>({
  id: "Q3.clip-norm",
  question: "Q3",
  title: "Clipping by norm keeps the direction; is it the better choice?",
  claim:
    "Clipping by norm (if ||g|| > threshold then g <- threshold * g / ||g||) keeps the direction and only changes the size; it is the better choice, also in high dimension.",
  data: { rule: "norm", keepsDirection: true, betterThan: "value", alsoHighDimension: true },
  cost: 0.2,
  run(data: ClipNormData, ctx: LabContext): ClaimResult {
    const study = clipStudy(ctx);
    const direction = keepsDirection(study, data.rule);
    const directionOk = direction.keeps === data.keepsDirection;
    const mine = outcomesOf(study, data.rule);
    const theirs = outcomesOf(study, data.betterThan);
    const beats = theirs.map((o) => ({ rule: o.rule, beaten: mine.every((m) => better(m, o)) }));
    const betterOk = data.rule !== data.betterThan && beats.every((b) => b.beaten);
    const dims = byDimension(study, data.rule);
    const otherDims = byDimension(study, data.rule === "norm" ? "value" : "norm");
    const highDimKeeps = dims.every((d) => d.cosMatched >= 1 - DIRECTION_TOLERANCE);
    const highDimOk = highDimKeeps === data.alsoHighDimension;
    const verdict = !directionOk ? "fails" : betterOk && highDimOk ? "holds" : "partly";
    const valueSlope = slopePerDecade(
      otherDims.map((d) => d.n),
      otherDims.map((d) => d.cosMatched),
    );
    const largest = dims[dims.length - 1];
    const smallest = dims[0];
    const evidence =
      `Direction: clipping by ${data.rule} on the real gradients of exploding tanh RNNs gives a smallest cosine of ${fmt(direction.minCos, 6)} (1 - cos = ${fmt(1 - direction.minCos)}) with the raw gradient ` +
      `at every threshold and dimension (n = ${dims.map((d) => d.n).join(", ")} parameters; ${highDimKeeps ? "kept" : "not kept"} everywhere), ` +
      `while clipping by ${data.rule === "norm" ? "value" : "norm"} at the dimension-matched threshold gives ${otherDims.map((d) => fmt(d.cosMatched, 3)).join(", ")} ` +
      `(slope ${fmt(valueSlope, 2)} per decade of n: ${valueSlope < -0.05 ? "it worsens with dimension" : "no systematic loss with dimension"}). ` +
      `Step size: after clipping at ${THRESHOLD}, the gradient's norm is ${fmt(smallest.normAfterNorm)} by norm at every n, but by value it is ${fmt(smallest.normAfterValue)} at n = ${smallest.n} and ${fmt(largest.normAfterValue)} at n = ${largest.n} (up to threshold·sqrt(n)). ` +
      `Training: ${trainingSetupText(study)}: ${describeTraining(study)}. ` +
      `${data.rule} ${betterOk ? "beats" : "does not beat"} ${data.betterThan} clipping: ${beats.map((b) => `${b.beaten ? "better than" : "not better than"} ${b.rule}`).join(", ")} (fewer failures, or as many and a median test MSE lower by ${fmt(100 * LOSS_MARGIN)}%).`;
    const norm = study.training.find((o) => o.rule === "norm");
    const sameNumber = study.training.find((o) => o.rule === "value");
    const matched = study.training.find((o) => o.rule === "value/sqrt(n)");
    const none = study.training.find((o) => o.rule === "none");
    const correction =
      verdict === "holds"
        ? null
        : !directionOk
          ? `Clipping by ${data.rule} ${direction.keeps ? "keeps" : "does not keep"} the direction (smallest cosine ${fmt(direction.minCos, 6)}).`
          : `Clipping by norm keeps the direction exactly (1 - cos = ${fmt(1 - direction.minCos)}, in every dimension measured) and bounds the step's norm by the threshold whatever the dimension, ` +
            `whereas a value threshold t bounds it only by t·sqrt(n): with the same number (${THRESHOLD}) value clipping failed in ${sameNumber?.failed}/${study.seeds} runs against ${norm?.failed}/${study.seeds} for norm clipping ` +
            `(no clipping: ${none?.diverged}/${study.seeds} diverged). But it is not better outright: with its threshold scaled to ${THRESHOLD}/sqrt(n), value clipping also prevented every divergence ` +
            `(${matched?.failed}/${study.seeds} failed) and reached a median test MSE of ${fmt(matched ? medianTest(matched) : Number.NaN)} against ${fmt(norm ? medianTest(norm) : Number.NaN)}, and its cosine does not fall with dimension. ` +
            `Norm clipping is the safer default (a threshold that means the same in any dimension, the SGD direction unchanged); which rule trains better depends on the thresholds.`;
    return {
      id: "Q3.clip-norm",
      verdict,
      evidence,
      correction,
      figures: [
        curvesFigure(study),
        {
          id: "q3-clip-norm-dimension",
          title: "Cosine after clipping against the number of parameters",
          caption: `Exploding tanh RNNs of hidden sizes ${dims.map((d) => d.H).join(", ")}; value clipping at ${THRESHOLD}/sqrt(n) (bounding the norm by ${THRESHOLD}) and at a tenth of the largest component; norm clipping at ${THRESHOLD}. Median over samples.`,
          spec: {
            kind: "line",
            x: { label: "parameters n", log: true },
            y: { label: "cos(clipped, raw)", domain: [0, 1.02] },
            series: [
              {
                name: "by norm",
                x: dims.map((d) => d.n),
                y: (data.rule === "norm" ? dims : otherDims).map((d) => plotNumber(d.cosMatched)),
                dots: true,
              },
              {
                name: "by value, threshold 1/sqrt(n)",
                x: dims.map((d) => d.n),
                y: (data.rule === "norm" ? otherDims : dims).map((d) => plotNumber(d.cosMatched)),
                dots: true,
              },
              {
                name: "by value, threshold max|g|/10",
                x: dims.map((d) => d.n),
                y: (data.rule === "norm" ? otherDims : dims).map((d) => plotNumber(d.cosTenthOfMax)),
                dots: true,
              },
            ],
          },
        },
      ],
      tables: [
        trainingTable(study),
        {
          kind: "grid",
          title: "Per dimension (median over samples)",
          columns: [
            "H",
            "parameters n",
            "||g||",
            "growth h_T -> h_0",
            "cos, value 1/sqrt(n)",
            "cos, value max/10",
            "||g|| after value 1",
            "||g|| after norm 1",
          ],
          rows: (data.rule === "norm" ? otherDims : dims).map((d, i) => [
            d.H,
            d.n,
            fmt(d.gradNorm),
            fmt(d.growth),
            fmt(d.cosMatched, 3),
            fmt(d.cosTenthOfMax, 3),
            fmt(d.normAfterValue),
            fmt((data.rule === "norm" ? dims : otherDims)[i].normAfterNorm),
          ]),
        },
      ],
      data: {
        claim: data,
        minCosine: direction.minCos,
        keepsDirection: direction.keeps,
        better: beats,
        highDimensionKeeps: highDimKeeps,
        valueCosineSlopePerDecade: valueSlope,
        byDimension: dims,
        training: study.training.map((o) => ({
          rule: o.rule,
          threshold: o.threshold,
          diverged: o.diverged,
          failed: o.failed,
          testLosses: o.testLosses,
        })),
        setup: {
          steps: study.steps,
          seeds: study.seeds,
          lr: LR,
          T: TRAIN_T,
          H: TRAIN_H,
          n: study.n,
          explodingNorm: EXPLODING_NORM,
        },
      },
    };
  },
});

export const q3ClipExperiments: Experiment<unknown>[] = [
  clipValueExperiment as Experiment<unknown>,
  clipNormExperiment as Experiment<unknown>,
];
