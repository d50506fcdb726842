import { describe, expect, it } from "vitest";
import {
  accuracy,
  confusionMatrix,
  macroF1,
  meanAbsoluteError,
  meanAbsoluteScaledError,
  naiveScale,
  rootMeanSquaredError,
} from "../src/fit/metrics.js";

// Every metric against values worked out by hand.

describe("classification metrics", () => {
  // truth:      0 0 0 1 1 2
  // prediction: 0 0 1 1 2 2
  const actual = [0, 0, 0, 1, 1, 2];
  const predicted = [0, 0, 1, 1, 2, 2];

  it("accuracy counts the hits", () => {
    expect(accuracy(predicted, actual)).toBeCloseTo(4 / 6, 15);
  });

  it("the confusion matrix is counts[actual][predicted]", () => {
    expect(confusionMatrix(predicted, actual, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it("macro-F1 averages each class's 2tp / (2tp + fp + fn)", () => {
    // class 0: tp 2, fp 0, fn 1 → 4/5; class 1: tp 1, fp 1, fn 1 → 2/4; class 2: tp 1, fp 1, fn 0 → 2/3
    const expected = (4 / 5 + 2 / 4 + 2 / 3) / 3;
    expect(macroF1(confusionMatrix(predicted, actual, 3))).toBeCloseTo(expected, 15);
  });

  it("macro-F1 skips a class absent from truth and predictions (scikit-learn's labels=None)", () => {
    const confusion = confusionMatrix([0, 1, 1], [0, 1, 0], 3);
    // class 0: tp 1, fn 1 → 2/3; class 1: tp 1, fp 1 → 2/3; class 2 absent
    expect(macroF1(confusion)).toBeCloseTo(2 / 3, 15);
  });

  it("a constant predictor of the majority gets its share and a low macro-F1", () => {
    const truth = [1, 1, 1, 0];
    const majority = [1, 1, 1, 1];
    expect(accuracy(majority, truth)).toBe(0.75);
    expect(macroF1(confusionMatrix(majority, truth, 2))).toBeCloseTo((0 + 6 / 7) / 2, 15);
  });
});

describe("forecast metrics", () => {
  const train = [1, 3, 2, 5, 4];
  it("MAE and RMSE", () => {
    expect(meanAbsoluteError([1, 2, 4], [2, 2, 2])).toBeCloseTo(1, 15);
    expect(rootMeanSquaredError([1, 2, 4], [2, 2, 2])).toBeCloseTo(Math.sqrt(5 / 3), 15);
  });

  it("naiveScale is the in-sample MAE of the (seasonal) naive forecast", () => {
    // |3−1| + |2−3| + |5−2| + |4−5| = 7 over 4
    expect(naiveScale(train)).toBeCloseTo(7 / 4, 15);
    // m = 2: |2−1| + |5−3| + |4−2| = 5 over 3
    expect(naiveScale(train, 2)).toBeCloseTo(5 / 3, 15);
  });

  it("MASE on a tiny series", () => {
    // forecasts 5, 5 for truths 6, 3: MAE 1.5; scale 7/4 → 6/7
    expect(meanAbsoluteScaledError([5, 5], [6, 3], naiveScale(train))).toBeCloseTo(6 / 7, 15);
  });

  it("rejects predictions and truths of different lengths", () => {
    expect(() => meanAbsoluteError([1], [1, 2])).toThrow(/1 predictions for 2 true values/);
  });
});
