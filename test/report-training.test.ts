import { describe, expect, it } from "vitest";
import {
  buildTrainingReport,
  type GridTable,
  type HeatmapSpec,
  type LineSpec,
  type Section,
  TRAINING_IDS,
} from "../src/report/index.js";
import { renderTable } from "../src/report/table.js";
import {
  gradFlowSpec,
  gradNormSpec,
  groundTruthSpec,
  lossFigure,
  trainingLossEnd,
} from "../src/report/training-figures.js";
import type { MetricRecord, TrainRecord } from "../src/train/metrics.js";
import type { EvalInfo, ProgressInfo } from "../src/worker/protocol.js";

// The training report's samples, ground-truth figure and validation loss as a reader meets them,
// and its figures built by the same spec builders the web lab's playground draws live.

const T = 8;

/** A run of `steps` steps with an evaluation every 10: teacher forcing unless `eps` says otherwise. */
function run(steps: number, eps: (step: number) => number = () => 1): MetricRecord[] {
  const records: MetricRecord[] = [
    {
      type: "run",
      config: {
        model: { cell: "rnn", activation: "tanh", hiddenSize: 8, layers: 1, embedding: 4, dtype: "float32" },
        feed: { kind: "teacher-forcing" },
        clip: { kind: "norm", maxNorm: 1, normType: 2 },
        evalEvery: 10,
      },
      data: { path: "text.txt", tokenizer: "char", vocabSize: 20, trainTokens: 5000, valTokens: 500 },
      unigramLoss: 3,
      startedAt: "2025-01-02T03:04:05.000Z",
    },
  ];
  for (let step = 1; step <= steps; step++) {
    const e = eps(step);
    records.push({
      type: "train",
      step,
      loss: 1 + 2 / step,
      gradNorm: 2 / step + 0.1,
      gradNormClipped: Math.min(1, 2 / step + 0.1),
      lr: 0.01,
      eps: e,
      groundTruthFraction: e,
      tokensPerSecond: 1000,
      elapsed: step / 10,
    });
    if (step % 10 === 0) {
      records.push({ type: "val", step, valLoss: 1.2 + 2 / step, valTokens: 256, sample: `sample ${step}` });
      const norms = Array.from({ length: T + 1 }, (_, t) => 0.01 * 1.1 ** t + step * 1e-4);
      records.push({ type: "gradflow", step, layer: 0, norms });
    }
  }
  records.push({
    type: "done",
    step: steps,
    valLoss: 1.25 + 2 / steps,
    valTokens: 500,
    unigramLoss: 3,
    tokensPerSecond: 1000,
    seconds: steps / 10,
  });
  return records;
}

const section = (sections: Section[], id: string) => sections.find((s) => s.id === id)!;
const figure = (sections: Section[], id: string) =>
  sections.flatMap((s) => s.figures ?? []).find((f) => f.id === id)!;

describe("buildTrainingReport: what a reader meets", () => {
  it("shows the latest 3 samples and the first, newest first, and folds the rest", () => {
    const report = buildTrainingReport(run(100));
    const table = section(report.sections, TRAINING_IDS.samples).tables![0] as GridTable;
    expect(table.visibleRows).toBe(4);
    expect(table.rows.map((r) => r[0])).toEqual([100, 90, 80, 10, 70, 60, 50, 40, 30, 20]);
    const html = renderTable(table);
    expect(html).toContain("Show 6 more rows");
    // The folded rows come after the <details> opens; the visible ones before.
    const fold = html.indexOf("<details");
    expect(html.indexOf("sample 10<")).toBeLessThan(fold);
    expect(html.indexOf("sample 70<")).toBeGreaterThan(fold);
  });

  it("folds nothing when there are 4 samples or fewer", () => {
    const table = section(buildTrainingReport(run(40)).sections, TRAINING_IDS.samples)
      .tables![0] as GridTable;
    expect(table.rows.map((r) => r[0])).toEqual([40, 30, 20, 10]);
    expect(renderTable(table)).not.toContain("<details");
  });

  it("under teacher forcing draws the observed ground-truth line last and widest, inside the axis, with a note", () => {
    const report = buildTrainingReport(run(30));
    const spec = figure(report.sections, TRAINING_IDS.groundTruth).spec as LineSpec;
    const observed = spec.series.at(-1)!;
    expect(observed.name).toBe("ground truth fed (observed)");
    expect(observed.y.every((v) => v === 1)).toBe(true);
    expect(observed.width).toBeGreaterThan(spec.series[0].width!);
    expect(spec.y?.domain?.[1]).toBeGreaterThan(1);
    expect(section(report.sections, "feeding-section").notes).toEqual([
      expect.stringMatching(/^Teacher forcing: every input is ground truth/),
    ]);
  });

  it("under scheduled sampling has no teacher-forcing note, and the observed series follows eps", () => {
    const report = buildTrainingReport(run(30, (step) => 1 - step / 60));
    expect(section(report.sections, "feeding-section").notes).toEqual([]);
    const observed = (figure(report.sections, TRAINING_IDS.groundTruth).spec as LineSpec).series.at(-1)!;
    expect(observed.y[29]).toBe(0.5);
  });

  it("says what the validation loss is, and plots the summary's final value as its own point", () => {
    const records = run(100);
    const report = buildTrainingReport(records);
    const loss = figure(report.sections, TRAINING_IDS.loss);
    expect(loss.caption).toContain("held-out text the model never trains on");
    expect(loss.caption).toContain("every 10 steps");
    expect(loss.caption).toContain(
      "the summary's final validation loss, 1.270, over the full split, 500 tokens",
    );
    const final = (loss.spec as LineSpec).series.find((s) => s.name.startsWith("final"))!;
    expect(final).toMatchObject({ x: [100], y: [1.27], dots: true });
    const stats = section(report.sections, "summary").stats!;
    expect(stats[0]).toMatchObject({ label: "Final validation loss", value: "1.270" });
    expect(stats[0].note).toContain("held out from training");
    // The training curve's end, beside it: the mean of the losses its last smoothed point averages.
    const end = trainingLossEnd(records.filter((r): r is TrainRecord => r.type === "train"))!;
    expect(end.points).toBe(3);
    expect(stats[1]).toMatchObject({ label: "Training loss at the end", value: end.value.toFixed(3) });
    expect(end.value).toBeCloseTo((1 + 2 / 98 + 1 + 2 / 99 + 1 + 2 / 100) / 3, 5);
  });
});

describe("the report's figures and the playground's come from the same builders", () => {
  const records = run(50);
  const train = records.filter((r): r is TrainRecord => r.type === "train");
  // What a training worker reports for the same steps (the playground's records).
  const progress: ProgressInfo[] = train.map((r) => ({
    step: r.step,
    loss: r.loss,
    gradNorm: r.gradNorm,
    gradNormClipped: r.gradNormClipped,
    lr: r.lr,
    eps: r.eps,
    groundTruthFraction: r.groundTruthFraction,
    tokensPerSecond: r.tokensPerSecond,
    hiddenGradNorms: new Float64Array(T + 1),
    recurrentBound: null,
  }));
  const evals: EvalInfo[] = records.flatMap((r) =>
    r.type === "val"
      ? [{ step: r.step, valLoss: r.valLoss, sample: r.sample, sampleTokens: new Int32Array(0) }]
      : [],
  );
  const report = buildTrainingReport(records);

  it("gives the same gradient-norm and ground-truth specs", () => {
    expect(gradNormSpec(progress, 1)).toEqual(figure(report.sections, TRAINING_IDS.gradNorm).spec);
    expect(groundTruthSpec(progress)).toEqual(figure(report.sections, TRAINING_IDS.groundTruth).spec);
  });

  it("gives the same loss curves: training, smoothed, validation and the baseline rule", () => {
    const live = lossFigure(progress, evals, {
      unit: "nats/token",
      baseline: { value: 3, label: "unigram" },
      valOver: "256 tokens",
    }).spec;
    const inReport = figure(report.sections, TRAINING_IDS.loss).spec as LineSpec;
    expect(live.series).toEqual(inReport.series.filter((s) => !s.name.startsWith("final")));
    expect(live.rules).toEqual(inReport.rules);
    expect(live.y).toEqual(inReport.y);
  });

  it("gives the same ‖dL/dh_t‖ heatmap from Float64Array rows as from the records' arrays", () => {
    const rows = records.flatMap((r) =>
      r.type === "gradflow" ? [{ step: r.step, norms: Float64Array.from(r.norms) }] : [],
    );
    const inReport = figure(report.sections, TRAINING_IDS.gradFlow).spec as HeatmapSpec;
    expect(gradFlowSpec(rows)).toEqual(inReport);
    expect(inReport.cells).toHaveLength(5 * (T + 1));
  });
});
