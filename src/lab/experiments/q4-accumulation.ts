import { biasOf, meanSeries, q4Context, ratioAt, runsOf, series, thin, Z } from "../q4/common.js";
import { type ForcedToken, type Injection, excessBlocks, excessCurve, injection } from "../q4/measures.js";
import { fmt, pm } from "../q4/stats.js";
import { type ClaimResult, defineExperiment, type LabContext } from "../types.js";

/** The claim as data: an error forced at generated step `errorStep` (1 = the first token after the
 *  true prefix), chosen as `forced`, costs something at every distance d = 1..horizon after it
 *  (null: every later step of the rollout). */
export interface AccumulationData {
  errorStep: number;
  forced: ForcedToken;
  horizon: number | null;
}

const TF = { kind: "teacher-forcing" } as const;

export const accumulation = defineExperiment<AccumulationData>({
  id: "Q4.accumulation",
  question: "Q4",
  title: "An early error propagates to every later step",
  claim:
    "When a model feeds its own predictions back in, an early error propagates to every later step and degrades the sequence.",
  data: { errorStep: 1, forced: "random", horizon: null },
  cost: 30,
  run(data: AccumulationData, ctx: LabContext): ClaimResult {
    const q = q4Context(ctx);
    const { setup } = q;
    const runs = runsOf(ctx, q, TF);
    ctx.progress("Q4: error injection along the teacher-forced models' rollouts");
    const injections = runs.map((run) =>
      injection(ctx, setup, q.data, run.model, `tf:${run.seed}`, data.errorStep, data.forced),
    );
    const pooled = pool(injections);
    const blocks = excessBlocks(pooled);
    const curve = excessCurve(pooled);
    const D = pooled.D;
    const horizon = Math.min(D, data.horizon ?? D);
    const significant = blocks.map((b) => b.mean > Z * b.se);
    // How far the error's cost stays measurable: the end of the first run of significant blocks.
    let persists = 0;
    for (const [i, b] of blocks.entries()) {
      if (!significant[i]) break;
      persists = b.to;
    }
    const claimed = blocks.filter((b) => b.from <= horizon);
    const everyStep = claimed.every((b) => b.mean > Z * b.se);
    const first = blocks[0];
    const degradesAtAll = significant[0];
    const verdict = everyStep ? "holds" : degradesAtAll ? "partly" : "fails";

    const after = blocks.filter((b) => b.from > persists);
    const largestAfter = after.reduce(
      (m, b) => (Math.abs(b.mean) > Math.abs(m.mean) ? b : m),
      after[0] ?? first,
    );
    const totalCost = blocks.reduce((s, b) => s + b.mean * (b.to - b.from + 1), 0);
    const L = setup.maxLength;
    const agreeEnd = meanOf(injections.map((inj) => inj.agreement[L - 1]));
    const agreeNext = meanOf(injections.map((inj) => inj.agreement[data.errorStep]));

    // Accumulation along the model's own rollouts, without injected errors.
    const ebs = biasOf(ctx, q, runs);
    const perStepModel = meanSeries(ebs.map((e) => e.perStepModel));
    const perStepOracle = meanSeries(ebs.map((e) => e.perStepOracle));
    const early = meanOf(perStepModel.slice(0, 10));
    const late = meanOf(perStepModel.slice(Math.floor((3 * L) / 4)));
    const l10 = Math.min(L, 10);
    const ratio10 = ratioAt(ebs, l10);
    const ratioL = ratioAt(ebs, L);
    // Errors compounding along the rollout would make the accumulated ratio grow with l.
    const compounding = ratioL.mean - ratio10.mean > Z * Math.hypot(ratioL.se, ratio10.se);

    const blockText = blocks
      .slice(0, 6)
      .map((b) => `d = ${blockName(b)}: ${pm(b.mean, b.se)}`)
      .join(", ");
    const evidence =
      `Twin rollouts of the ${setup.seeds} teacher-forced ${setup.cell.toUpperCase()} model(s) (H = ${setup.hidden}, ${setup.steps} steps on text from a ${setup.order}-gram oracle) ` +
      `from the same ${setup.prefixLength}-token true prefixes, ${pooled.pairs} pairs, sampled with common random numbers so the twins are identical until generated step ${data.errorStep}, ` +
      `where one is forced to a ${data.forced === "random" ? "random wrong" : "least likely"} token (oracle probability ${fmt(meanOf(injections.map((i) => i.forcedProbability)))} on average, against ${fmt(meanOf(injections.map((i) => i.cleanProbability)))} for the clean twin's token). ` +
      `Excess per-step KL(P_oracle || P_model) after the error, perturbed minus clean, in nats (mean ± standard error over pairs): ${blockText}. ` +
      (persists >= D
        ? `It exceeds ${Z} standard errors at every distance to the end of the rollout. `
        : persists > 0
          ? `It exceeds ${Z} standard errors up to d = ${persists} only; beyond, the largest block is ${pm(largestAfter.mean, largestAfter.se)} (d = ${blockName(largestAfter)}). `
          : `Not even the first step after the error shows an excess above ${Z} standard errors. `) +
      `Summed over the ${D} later steps the error costs ${fmt(totalCost)} nats in all. The twins draw the same token again in ${fmt(100 * agreeNext)} % of pairs right after the error and in ${fmt(100 * agreeEnd)} % by step ${L}. ` +
      `Without injected errors the per-step KL along the model's own rollouts is ${fmt(early)} nats over steps 1-10 and ${fmt(late)} over the last quarter (along oracle continuations ${fmt(meanOf(perStepOracle.slice(0, 10)))} and ${fmt(meanOf(perStepOracle.slice(Math.floor((3 * L) / 4))))}): ` +
      `${compounding ? "the accumulated error compounds" : "errors do not compound"} (accumulated ratio to oracle continuations ${pm(ratio10.mean, ratio10.se)} at l = ${l10}, ${pm(ratioL.mean, ratioL.se)} at l = ${L}). ` +
      `Decision: the claim holds if every distance block (1, 2, 3-4, 5-8, ...) starting at or before ${data.horizon === null ? `the end (d = ${D})` : `d = ${horizon}`} has an excess above ${Z} standard errors; partly if only the first ones do; fails if not even d = 1 does.`;

    const correction =
      verdict === "holds"
        ? null
        : verdict === "partly"
          ? `An early error degrades only the next ${persists === 1 ? "step" : `${persists} steps`} (excess KL ${fmt(first.mean)} nats right after it), then the model recovers (self-recovery, He et al. 2021): from d = ${persists + 1} on the excess is within noise${compounding ? "" : ", and the accumulated error along the model's own rollouts does not compound"}. It does not propagate to every later step. The same computation with horizon ${persists} gives holds.`
          : `A single early error did not measurably degrade the later steps: the excess KL right after it is ${pm(first.mean, first.se)} nats, within ${Z} standard errors of 0.`;

    const x = Array.from({ length: D }, (_, i) => i + 1);
    const band = (sign: number) => curve.mean.map((m, i) => m + sign * Z * curve.se[i]);
    const steps = Array.from({ length: L }, (_, i) => i + 1);
    const thinEvery = L > 60 ? 2 : 1;
    const own = thin(steps, perStepModel, thinEvery);
    const truth = thin(steps, perStepOracle, thinEvery);
    const clean = thin(steps, meanSeries(injections.map((i) => i.perStepClean)), thinEvery);
    const perturbed = thin(steps, meanSeries(injections.map((i) => i.perStepPerturbed)), thinEvery);
    return {
      id: "Q4.accumulation",
      verdict,
      evidence,
      correction,
      figures: [
        {
          id: "q4-accumulation-excess",
          title: "What an early error costs at each later step",
          caption: `Per-step KL(P_oracle || P_model) along the rollout with a forced error at step ${data.errorStep}, minus along its clean twin, against the distance d after the error (mean over ${pooled.pairs} pairs, dashed: ± ${Z} standard errors).`,
          spec: {
            kind: "line",
            x: { label: "distance after the error d (steps)", log: true },
            y: { label: "excess KL (nats)" },
            series: [
              series("excess KL", x, curve.mean),
              series(`+${Z} SE`, x, band(1), { dashed: true, width: 1, opacity: 0.6, color: "#888" }),
              series(`-${Z} SE`, x, band(-1), { dashed: true, width: 1, opacity: 0.6, color: "#888" }),
            ],
            rules: [{ axis: "y", value: 0 }],
          },
        },
        {
          id: "q4-accumulation-per-step-kl",
          title: "Per-step KL to the oracle along generated sequences",
          caption:
            "Teacher-forced models (mean over seeds): along their own rollouts, along oracle continuations of the same prefixes, and along the twin rollouts of the injection (clean, and with the forced error).",
          spec: {
            kind: "line",
            x: { label: "generated step t" },
            y: { label: "KL(P_oracle || P_model) (nats)", zero: true },
            series: [
              series("own rollouts", own.x, own.y),
              series("oracle continuations", truth.x, truth.y),
              series("twin, clean", clean.x, clean.y, { dashed: true }),
              series(`twin, error at step ${data.errorStep}`, perturbed.x, perturbed.y, { dashed: true }),
            ],
          },
        },
        {
          id: "q4-accumulation-agreement",
          title: "Twins drawing the same token again",
          caption:
            "Fraction of pairs whose clean and perturbed rollouts draw the same token at step t (common random numbers: equal distributions give equal tokens).",
          spec: {
            kind: "line",
            x: { label: "generated step t" },
            y: { label: "same token", percent: true, domain: [0, 1] },
            series: [series("agreement", steps, meanSeries(injections.map((i) => i.agreement)))],
            rules: [{ axis: "x", value: data.errorStep, label: "error" }],
          },
        },
      ],
      tables: [
        {
          kind: "grid",
          title: "Excess KL after the error, by distance (nats)",
          columns: ["distance d", "mean", "standard error", `above ${Z} SE`],
          rows: blocks.map((b, i) => [blockName(b), b.mean, b.se, significant[i] ? "yes" : "no"]),
        },
      ],
      data: {
        errorStep: data.errorStep,
        forced: data.forced,
        horizon,
        pairs: pooled.pairs,
        blocks,
        persists,
        totalCost,
        agreementNext: agreeNext,
        agreementEnd: agreeEnd,
        perStepKLEarly: early,
        perStepKLLate: late,
        ratioAt10: ratio10,
        ratioAtL: ratioL,
        compounding,
      },
    };
  },
});

function blockName(b: { from: number; to: number }): string {
  return b.from === b.to ? String(b.from) : `${b.from}-${b.to}`;
}

function meanOf(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** All seeds' pairs as one sample. */
function pool(injections: Injection[]): Injection {
  const first = injections[0];
  const pairs = injections.reduce((s, i) => s + i.pairs, 0);
  const excess = new Float64Array(pairs * first.D);
  let at = 0;
  for (const inj of injections) {
    excess.set(inj.excess, at);
    at += inj.excess.length;
  }
  return { ...first, pairs, excess };
}
