import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../lab/context.js";
import { medianCurve, smoothCurve } from "../lab/gradients/curves.js";
import { applyClip } from "../lab/gradients/train-loop.js";
import { type ClipCosines, DIRECTION_TOLERANCE, smallestCosine } from "../lab/q3/clip-gradients.js";
import { type ClipNormData, type ClipNormStated, clipNorm, judgeClipNorm } from "../lab/q3/clip-norm.js";
import {
  better,
  type ClipTraining,
  divergences,
  failures,
  LOSS_MARGIN,
  outcome,
  RULES,
  type RuleName,
  type RuleOutcome,
} from "../lab/q3/clip-training.js";
import { clipValue, judgeClipValue } from "../lab/q3/clip-value.js";
import {
  decayPerStep,
  GAIN_LOG10,
  gradientGain,
  judgeSkip,
  runOf,
  SUCCESS_ACCURACY,
  type SkipData,
  skip,
  successes,
} from "../lab/q3/skip.js";
import { trainingSetup } from "../lab/q3/skip-measure.js";
import { ADDING_BASELINE_MSE, addingBatch } from "../src/tasks/index.js";
import { temporalOrderBatch } from "../src/tasks/index.js";
import { ConfigError, NumericError, Rng } from "../src/index.js";

// Q3's training claims (skip connections, clipping): the judges on hand-made data, then the whole
// experiments in quick mode on one context, so a claim and its changed statement share the training.
const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

describe("the long-range tasks", () => {
  it("adding: two markers, one in each half, and the target is the sum of the marked values", () => {
    const T = 12;
    const B = 50;
    const batch = addingBatch(new Rng(1), T, B);
    let mse = 0;
    for (let b = 0; b < B; b++) {
      let sum = 0;
      const marks: number[] = [];
      for (let t = 0; t < T; t++) {
        if (batch.inputs[(t * B + b) * 2 + 1] === 1) {
          marks.push(t);
          sum += batch.inputs[(t * B + b) * 2];
        }
      }
      expect(marks.length).toBe(2);
      expect(marks[0]).toBeLessThan(T / 2);
      expect(marks[1]).toBeGreaterThanOrEqual(T / 2);
      expect(batch.values[(T - 1) * B + b]).toBeCloseTo(sum, 15);
      expect(batch.mask[(T - 1) * B + b]).toBe(1);
      mse += (sum - 1) ** 2 / B;
    }
    expect(batch.mask.reduce((a, v) => a + v, 0)).toBe(B);
    expect(mse).toBeGreaterThan(ADDING_BASELINE_MSE / 2);
    expect(mse).toBeLessThan(ADDING_BASELINE_MSE * 2);
  });

  it("temporal order: X or Y at two positions, the class is their order, asked at the last step only", () => {
    const T = 40;
    const B = 30;
    const batch = temporalOrderBatch(new Rng(2), T, B);
    for (let b = 0; b < B; b++) {
      const relevant: number[] = [];
      for (let t = 0; t < T; t++) {
        const row = batch.inputs.subarray((t * B + b) * 6, (t * B + b + 1) * 6);
        expect(row.reduce((a, v) => a + v, 0)).toBe(1);
        if (row[4] === 1 || row[5] === 1) relevant.push(row[5]);
      }
      expect(relevant.length).toBe(2);
      expect(batch.classes[(T - 1) * B + b]).toBe(2 * relevant[0] + relevant[1]);
      for (let t = 0; t < T - 1; t++) expect(batch.classes[t * B + b]).toBe(-1);
    }
  });

  it("too short a sequence for either task is a ConfigError", () => {
    expect(() => addingBatch(new Rng(1), 3, 2)).toThrow(ConfigError);
    expect(() => temporalOrderBatch(new Rng(1), 9, 2)).toThrow(ConfigError);
  });
});

describe("the training helpers", () => {
  it("applyClip: value clipping clamps each entry, a non-finite gradient throws NumericError", () => {
    const g = Float64Array.from([3, -0.5, -2]);
    applyClip(g, { kind: "value", threshold: 1 });
    expect([...g]).toEqual([1, -0.5, -1]);
    expect(() => applyClip(Float64Array.from([1, Number.NaN]), { kind: "none" })).toThrow(NumericError);
  });

  it("smoothCurve: moving averages at every k-th step, null past the end of a diverged run", () => {
    expect(smoothCurve([1, 3, 5, 7], 6, 2, 2)).toEqual({ x: [2, 4, 6], y: [2, 6, null] });
  });

  it("medianCurve: the pointwise median, null where any seed has stopped", () => {
    const curves = [1, 2, 9].map((v) => ({ x: [1, 2], y: [v, v === 9 ? null : v] }));
    expect(medianCurve(curves)).toEqual({ x: [1, 2], y: [2, null] });
  });
});

/** Two curves over T = 4 whose values at d = T differ by `gainLog10`, and training accuracies per seed. */
function skipData(gainLog10: number, plain: number[], skipped: number[]): SkipData {
  const line = (end: number) => [0, end / 4, end / 2, (3 * end) / 4, end];
  return {
    gradient: {
      T: 4,
      nets: 1,
      hidden: 2,
      curves: [
        { delay: 0, log10Ratio: line(-10) },
        { delay: 2, log10Ratio: line(-10 + gainLog10) },
      ],
    },
    training: {
      setup: trainingSetup(true),
      longDelay: 6,
      runs: [
        { delay: 0, accuracies: plain, losses: [] },
        { delay: 2, accuracies: skipped, losses: [] },
        { delay: 6, accuracies: [1, 1], losses: [] },
      ],
    },
  };
}

describe("Q3.skip's judge", () => {
  const stated = skip.stated;

  it("judge: a gain of exactly GAIN_LOG10 decades and more successes → holds", () => {
    expect(GAIN_LOG10).toBe(1);
    expect(judgeSkip(skipData(1, [0.3], [1]), stated)).toBe("holds");
  });

  it("judge: a gain just under GAIN_LOG10 with more successes → partly", () => {
    expect(judgeSkip(skipData(1 - 1e-9, [0.3], [1]), stated)).toBe("partly");
  });

  it("judge: the gradient gain alone, with as many successes → partly", () => {
    expect(judgeSkip(skipData(5, [1, 0.2], [0.2, 1]), stated)).toBe("partly");
  });

  it("judge: no gain and no more successes → fails", () => {
    expect(judgeSkip(skipData(0, [0.3], [0.3]), stated)).toBe("fails");
  });

  it("judge: an accuracy of exactly SUCCESS_ACCURACY is a success, one just under is not", () => {
    expect(judgeSkip(skipData(0, [0.3], [SUCCESS_ACCURACY]), stated)).toBe("partly");
    expect(judgeSkip(skipData(0, [0.3], [SUCCESS_ACCURACY - 1e-12]), stated)).toBe("fails");
  });

  it("judge: data without the stated delay's curve → ConfigError", () => {
    expect(() => judgeSkip(skipData(2, [0], [1]), { ...stated, delay: 3 })).toThrow(ConfigError);
  });

  it("decayPerStep of an exact geometric curve is its ratio per step", () => {
    const halving = Array.from({ length: 41 }, (_, d) => d * Math.log10(0.5));
    expect(decayPerStep(halving)).toBeCloseTo(0.5, 12);
  });

  it("describe: a partly verdict's correction names the long delay's successes", () => {
    const data = skipData(5, [0.3, 0.3], [0.3, 0.3]);
    const text = skip.describe(data, "partly", stated);
    expect(text.correction).toContain("(k = 6 = T/5) succeeds in 2 of 2");
    expect(text.figures?.map((f) => f.id)).toEqual(["q3-skip-distance", "q3-skip-training"]);
  });
});

/** Cosines where clipping by norm gives `normCos` and by value `valueCos` everywhere. */
function cosines(normCos: number, valueCos: number): ClipCosines {
  const rows = (c: number) => [{ fraction: 0.1, median: c, min: c }];
  const dims = (c: number) => [{ H: 4, n: 37, cosMatched: c, cosTenthOfMax: c }];
  return {
    H: 4,
    growth: 10,
    byThreshold: { value: rows(valueCos), norm: rows(normCos) },
    byDimension: { value: dims(valueCos), norm: dims(normCos) },
    norms: [{ H: 4, n: 37, gradNorm: 5, growth: 10, normAfterValue: 2, normAfterNorm: 1 }],
  };
}

/** Test losses per seed for each rule (null: diverged). */
function training(losses: Record<RuleName, (number | null)[]>): ClipTraining {
  const outcomes = RULES.map(
    (rule): RuleOutcome => ({
      rule,
      threshold: rule === "none" ? null : 1,
      runs: losses[rule].map((testLoss) => ({ diverged: testLoss === null, testLoss, losses: [] })),
    }),
  );
  const setup = { steps: 1, seeds: 2, lr: 0.2, T: 10, H: 32, n: 1185, explodingNorm: 3, testSize: 500 };
  return { setup, outcomes };
}

describe("Q3.clip-value's judge", () => {
  const stated = clipValue.stated;

  it("judge: a smallest cosine of exactly 1 − DIRECTION_TOLERANCE keeps the direction → fails", () => {
    expect(judgeClipValue(cosines(1, 1 - DIRECTION_TOLERANCE), stated)).toBe("fails");
  });

  it("judge: a smallest cosine just under 1 − DIRECTION_TOLERANCE turns the gradient → holds", () => {
    expect(judgeClipValue(cosines(1, 1 - 2 * DIRECTION_TOLERANCE), stated)).toBe("holds");
  });

  it("smallestCosine reads the threshold sweep and every dimension", () => {
    const data = cosines(1, 0.9);
    data.byDimension.value[0].cosTenthOfMax = 0.5;
    expect(smallestCosine(data, "value")).toBe(0.5);
  });
});

describe("Q3.clip-norm's judge", () => {
  const stated: ClipNormStated = clipNorm.stated;
  const safe = 0.1;
  const data = (norm: number, matched: number, cos = cosines(1, 0.7)): ClipNormData => ({
    cosines: cos,
    training: training({
      none: [null, null],
      norm: [norm, norm],
      value: [11, 11],
      "value/sqrt(n)": [matched, matched],
    }),
  });

  it("better: as many failures and a test loss lower by exactly LOSS_MARGIN is not better, lower still is", () => {
    const t = training({
      none: [null],
      norm: [0.1],
      value: [(1 - LOSS_MARGIN) * 0.1],
      "value/sqrt(n)": [0.08],
    });
    expect(better(outcome(t, "value"), outcome(t, "norm"))).toBe(false);
    expect(better(outcome(t, "value/sqrt(n)"), outcome(t, "norm"))).toBe(true);
  });

  it("better: fewer failures wins whatever the losses; a diverged run fails", () => {
    const t = training({
      none: [null, 0.01],
      norm: [0.1, 0.1],
      value: [2, 0.1],
      "value/sqrt(n)": [0.1, 0.1],
    });
    expect(divergences(outcome(t, "none"))).toBe(1);
    expect(failures(outcome(t, "none"))).toBe(1);
    expect(failures(outcome(t, "value"))).toBe(1);
    expect(better(outcome(t, "norm"), outcome(t, "none"))).toBe(true);
    expect(better(outcome(t, "none"), outcome(t, "norm"))).toBe(false);
  });

  it("judge: norm beating both value rules by the margin, direction kept everywhere → holds", () => {
    expect(judgeClipNorm(data(safe * 0.8, safe), stated)).toBe("holds");
  });

  it("judge: value at 1/sqrt(n) exactly LOSS_MARGIN above norm is not beaten → partly", () => {
    expect(judgeClipNorm(data((1 - LOSS_MARGIN) * safe, safe), stated)).toBe("partly");
  });

  it("judge: a norm-clipped cosine below 1 − DIRECTION_TOLERANCE contradicts 'keeps the direction' → fails", () => {
    expect(judgeClipNorm(data(0.01, safe, cosines(1 - 2 * DIRECTION_TOLERANCE, 0.7)), stated)).toBe("fails");
  });

  it("judge: claiming a rule is better than itself → partly", () => {
    expect(judgeClipNorm(data(0.01, safe), { ...stated, betterThan: "norm" })).toBe("partly");
  });

  it("judge: claiming the direction is lost in high dimension when it is kept → partly", () => {
    expect(judgeClipNorm(data(0.01, safe), { ...stated, alsoHighDimension: false })).toBe("partly");
  });
});

describe("Q3.skip, measured (quick)", () => {
  it("delay 2 makes the gradient decay less but does not make temporal order learnable: partly", () => {
    const r = skip.run(ctx);
    expect(r.verdict).toBe("partly");
    const curve = (k: number) => r.data.gradient.curves.find((c) => c.delay === k)?.log10Ratio ?? [];
    expect(gradientGain(r.data.gradient, 2)).toBeGreaterThan(5);
    expect(decayPerStep(curve(2))).toBeGreaterThan(decayPerStep(curve(0)));
    expect(decayPerStep(curve(2))).toBeLessThan(1);
    expect(successes(runOf(r.data.training, 0))).toBe(0);
    expect(successes(runOf(r.data.training, 6))).toBe(2);
    expect(r.figures?.map((f) => f.id)).toEqual(["q3-skip-distance", "q3-skip-training"]);
  });

  it("a delay of T/5 holds; M = 0 gives no second path and fails", () => {
    expect(skip.run(ctx, { ...skip.stated, delay: 6 }).verdict).toBe("holds");
    const none = skip.run(ctx, { ...skip.stated, skipNorm: 0 });
    expect(none.verdict).toBe("fails");
    expect(gradientGain(none.data.gradient, 2)).toBeCloseTo(0, 9);
  });
});

describe("Q3.clip-value and Q3.clip-norm, measured (quick)", () => {
  it("clipping by value turns real exploding gradients; claiming the same of norm clipping fails", () => {
    const r = clipValue.run(ctx);
    expect(r.verdict).toBe("holds");
    expect(smallestCosine(r.data, "value")).toBeLessThan(0.9);
    const norm = clipValue.run(ctx, { ...clipValue.stated, rule: "norm" });
    expect(norm.verdict).toBe("fails");
    expect(1 - smallestCosine(norm.data, "norm")).toBeLessThan(1e-12);
  });

  it("norm clipping keeps the direction and stops divergence, but is not better than dimension-scaled value clipping", () => {
    const r = clipNorm.run(ctx);
    expect(r.verdict).toBe("partly");
    const t = r.data.training;
    expect(divergences(outcome(t, "none"))).toBe(2);
    expect(failures(outcome(t, "norm"))).toBe(0);
    expect(failures(outcome(t, "value/sqrt(n)"))).toBe(0);
    expect(failures(outcome(t, "value"))).toBe(2);
    expect(r.figures?.map((f) => f.id)).toContain("q3-clip-norm-curves");
  });

  it("claiming that value clipping keeps the direction fails", () => {
    expect(clipNorm.run(ctx, { ...clipNorm.stated, rule: "value" }).verdict).toBe("fails");
  });
});
