import {
  biasOf,
  type Estimate,
  finalLoss,
  MIN_EXCESS,
  meanSeries,
  q4Context,
  ratioAt,
  runsOf,
  series,
  thin,
  Z,
} from "../q4/common.js";
import { type FeedSpec, feedLabel } from "../q4/setup.js";
import { fmt, mean, pm } from "../q4/stats.js";
import { type ClaimResult, defineExperiment, type LabContext } from "../types.js";

/** The claim as data: a model trained with `training` (teacher forcing: it never sees its own
 *  mistakes) does worse at inference, fed its own outputs (sampled at `temperature`), than its
 *  training suggests. */
export interface ExposureBiasData {
  training: FeedSpec;
  temperature: number;
}

export const exposureBiasClaim = defineExperiment<ExposureBiasData>({
  id: "Q4.exposure-bias",
  question: "Q4",
  title: "Teacher-forced models do worse on their own outputs",
  claim:
    "A teacher-forced model never sees its own mistakes in training, so at inference, fed its own outputs, it does worse than its training suggests.",
  data: { training: { kind: "teacher-forcing" }, temperature: 1 },
  cost: 12,
  run(data: ExposureBiasData, ctx: LabContext): ClaimResult {
    const q = q4Context(ctx);
    const { setup } = q;
    const L = setup.maxLength;
    const name = feedLabel(data.training);
    const modelName = data.training.kind === "teacher-forcing" ? "teacher-forced" : name;
    const runs = runsOf(ctx, q, data.training);
    const worse = (r: Estimate) => r.mean - 1 > Z * r.se && r.mean - 1 > MIN_EXCESS;
    // The ratio at l = L at every parameter snapshot along training, the full budget last.
    const steps = [...new Set([...setup.snapshots.filter((s) => s < setup.steps), setup.steps])];
    const stages = steps.map((step) => {
      const ebs = biasOf(ctx, q, runs, data.temperature, step);
      return { step, ebs, ratio: ratioAt(ebs, L) };
    });
    const ebs = stages[stages.length - 1].ebs;
    const final = stages[stages.length - 1].ratio;
    const worseStages = stages.filter((s) => worse(s.ratio));
    const verdict =
      worseStages.length === stages.length ? "holds" : worseStages.length > 0 ? "partly" : "fails";

    const trainingKL = finalLoss(runs, "windowKL");
    const inference = mean(ebs.map((e) => e.accModel[L - 1] / L));
    const onTruth = mean(ebs.map((e) => e.accOracle[L - 1] / L));
    const l10 = Math.min(10, L);
    const r10 = ratioAt(ebs, l10);
    const lMid = Math.max(1, Math.floor(L / 4));
    const rMid = ratioAt(ebs, lMid);
    const growing = final.mean - r10.mean > Z * Math.hypot(final.se, r10.se);
    const shrinking = r10.mean - final.mean > Z * Math.hypot(final.se, r10.se);
    const klAt = (step: number) =>
      mean(runs.map((r) => r.curve.find((p) => p.step === step)?.valKL ?? Number.NaN));
    const describe = (list: typeof stages) =>
      list
        .map((s) => `${pm(s.ratio.mean, s.ratio.se)} at step ${s.step} (val KL ${fmt(klAt(s.step))})`)
        .join(", ");
    const stageText = describe(stages);
    const notWorse = stages.filter((s) => !worse(s.ratio));
    const evidence =
      `${runs.length} ${setup.cell.toUpperCase()} model(s) (H = ${setup.hidden}) trained with ${name} for ${setup.steps} steps on text from a known ${setup.order}-gram oracle. ` +
      `What training suggests: KL(P_oracle || P_model) on true contexts, ${pm(trainingKL.mean, trainingKL.se)} nats/char on the validation text; along oracle continuations of ${ebs[0].rollouts} true prefixes ${fmt(onTruth)} per step. ` +
      `At inference, fed its own samples (temperature ${data.temperature}), ${fmt(inference)} per step over ${L} steps. ` +
      `Accumulated ratio accModel/accOracle (mean ± standard error over seeds and rollouts): ${pm(r10.mean, r10.se)} at l = ${l10}, ${pm(rMid.mean, rMid.se)} at l = ${lMid}, ${pm(final.mean, final.se)} at l = ${L}` +
      ` (per seed ${final.values.map((v) => fmt(v, 4)).join(", ")}); ${growing ? "it grows with l" : shrinking ? "it is largest at short lengths and does not grow with l (no compounding)" : "it does not change significantly with l"}. ` +
      `Along training (ratio at l = ${L}): ${stageText}. ` +
      `Decision: worse than training suggests when the ratio at l = ${L} exceeds 1 by more than ${Z} standard errors and by more than ${MIN_EXCESS * 100} %; holds if so at every stage of training measured, partly if at some, fails if at none.`;

    const correction =
      verdict === "holds"
        ? null
        : verdict === "partly"
          ? worse(final)
            ? `Only once trained far enough, and only by a few percent: from step ${worseStages[0].step} the ${modelName} model's error along its own rollouts exceeds what its training suggests (ratio ${describe(worseStages)}; ${shrinking || !growing ? "largest at short lengths, not growing with l" : "growing with l"}), but not measurably before (${describe(notWorse)}): a less trained model does no worse on its own outputs, or even better.`
            : `Only at some stages of training: the ratio is significantly above 1 at ${describe(worseStages)}, but not at ${describe(notWorse)}, the full budget included.`
          : `Fed its own outputs, the ${modelName} model does not do worse than its training suggests: its error along its own rollouts is ${fmt(inference)} nats per step against ${fmt(onTruth)} along true continuations (ratio ${pm(final.mean, final.se)} at l = ${L}${final.mean < 1 ? ": better on its own contexts" : ", within noise of 1"}), at every stage measured (${stageText}).`;

    const lengths = ebs[0].lengths;
    const every = L > 60 ? 2 : 1;
    const meanRatio = thin(lengths, meanSeries(ebs.map((e) => e.ratio)), every);
    return {
      id: "Q4.exposure-bias",
      verdict,
      evidence,
      correction,
      figures: [
        {
          id: "q4-exposure-bias-ratio",
          title: `Exposure bias of the ${modelName} models`,
          caption: `accModel(l) / accOracle(l): accumulated KL(P_oracle || P_model) along the model's own rollouts over that along oracle continuations of the same prefixes (1 = no exposure bias). Thick: mean over seeds.`,
          spec: {
            kind: "line",
            x: { label: "length l" },
            y: { label: "ratio" },
            series: [
              series("mean", meanRatio.x, meanRatio.y, { width: 2.5 }),
              ...(ebs.length > 1
                ? ebs.map((e, i) => {
                    const t = thin(lengths, e.ratio, every);
                    return series(`seed ${runs[i].seed}`, t.x, t.y, { width: 0.75, opacity: 0.5 });
                  })
                : []),
            ],
            rules: [{ axis: "y", value: 1, label: "no exposure bias" }],
          },
        },
        {
          id: "q4-exposure-bias-training",
          title: "Exposure bias along training",
          caption: `ratio(${L}) of the ${modelName} models at parameter snapshots (mean over seeds; dashed: ± ${Z} standard errors).`,
          spec: {
            kind: "line",
            x: { label: "training step" },
            y: { label: `ratio at l = ${L}` },
            series: [
              series(
                "ratio",
                stages.map((s) => s.step),
                stages.map((s) => s.ratio.mean),
                { dots: true },
              ),
              series(
                `+${Z} SE`,
                stages.map((s) => s.step),
                stages.map((s) => s.ratio.mean + Z * s.ratio.se),
                { dashed: true, width: 1, color: "#888" },
              ),
              series(
                `-${Z} SE`,
                stages.map((s) => s.step),
                stages.map((s) => s.ratio.mean - Z * s.ratio.se),
                { dashed: true, width: 1, color: "#888" },
              ),
            ],
            rules: [{ axis: "y", value: 1 }],
          },
        },
      ],
      tables: [
        {
          kind: "grid",
          title: `Exposure bias per seed (${name})`,
          columns: [
            "seed",
            "val KL (training)",
            "per step, oracle continuations",
            "per step, own rollouts",
            `ratio at l = ${L}`,
          ],
          rows: runs.map((r, i) => [
            r.seed,
            mean(r.windowKL),
            ebs[i].accOracle[L - 1] / L,
            ebs[i].accModel[L - 1] / L,
            ebs[i].ratio[L - 1],
          ]),
        },
      ],
      data: {
        training: data.training,
        temperature: data.temperature,
        ratioFinal: final,
        ratioAt10: r10,
        stages: stages.map((s) => ({ step: s.step, ratio: s.ratio, valKL: klAt(s.step) })),
        trainingKL: trainingKL.mean,
        inferencePerStep: inference,
        oraclePerStep: onTruth,
        growing,
      },
    };
  },
});
