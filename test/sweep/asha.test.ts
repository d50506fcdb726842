import { describe, expect, it } from "vitest";
import { AshaScheduler, quantile } from "../../cli/sweep/asha.js";

describe("AshaScheduler", () => {
  it("rungs are minSteps·eta^k strictly below maxSteps", () => {
    expect(new AshaScheduler({ minSteps: 10, eta: 3, maxSteps: 100, goal: "min" }).rungs).toEqual([
      10, 30, 90,
    ]);
    expect(new AshaScheduler({ minSteps: 10, eta: 3, maxSteps: 90, goal: "min" }).rungs).toEqual([10, 30]);
    expect(new AshaScheduler({ minSteps: 1, eta: 2, maxSteps: 8, goal: "min" }).rungs).toEqual([1, 2, 4]);
    expect(new AshaScheduler({ minSteps: 50, eta: 2, maxSteps: 50, goal: "min" }).rungs).toEqual([]);
  });

  it("report(...) at a rung stops a loss above the 1/eta quantile once eta values are recorded", () => {
    const asha = new AshaScheduler({ minSteps: 10, eta: 3, maxSteps: 100, goal: "min" });
    expect(asha.report("a", 10, 1.0)).toBe("continue");
    expect(asha.report("b", 10, 2.0)).toBe("continue"); // two values: fewer than eta
    // [1, 2, 3]: the 1/3 quantile is 1 + (2/3)·1 = 1.667, and 3 is above it.
    expect(asha.report("c", 10, 3.0)).toBe("stop");
    // [1, 1.5, 2, 3]: position 1, the quantile is 1.5, and 1.5 is not above it.
    expect(asha.report("d", 10, 1.5)).toBe("continue");
    // [1, 1.5, 1.6, 2, 3]: position 4/3, 1.5 + (1/3)·0.1 = 1.533 < 1.6.
    expect(asha.report("e", 10, 1.6)).toBe("stop");
  });

  it("report(...) off the rungs continues, and a trial is judged once per rung", () => {
    const asha = new AshaScheduler({ minSteps: 10, eta: 3, maxSteps: 100, goal: "min" });
    expect(asha.report("a", 5, 9)).toBe("continue");
    for (const [key, loss] of [
      ["a", 1],
      ["b", 2],
      ["c", 3],
    ] as const)
      asha.report(key, 10, loss);
    // b, already recorded at rung 10, is not judged again at step 20 even with a worse loss.
    expect(asha.report("b", 20, 50)).toBe("continue");
    expect(asha.report("a", 30, 0.5)).toBe("continue");
  });

  it("report(...) past several rungs records the trial at the highest one reached", () => {
    const asha = new AshaScheduler({ minSteps: 1, eta: 2, maxSteps: 8, goal: "max" });
    expect(asha.report("x", 4, 10)).toBe("continue");
    // Rung 4 then holds [10, 5]: the 0.5 quantile is 7.5, and 5 is below it.
    expect(asha.report("y", 5, 5)).toBe("stop");
    // Rung 1 holds z alone: y was not recorded there.
    expect(asha.report("z", 1, 0)).toBe("continue");
  });

  it("report(...) with goal max stops the lower values; a tie at the cutoff goes on", () => {
    const asha = new AshaScheduler({ minSteps: 2, eta: 2, maxSteps: 100, goal: "max" });
    expect(asha.report("a", 2, 5)).toBe("continue");
    expect(asha.report("b", 2, 5)).toBe("continue"); // [5, 5]: cutoff 5
    expect(asha.report("c", 2, 4)).toBe("stop"); // [4, 5, 5]: cutoff 5
    expect(asha.report("d", 2, 6)).toBe("continue"); // [4, 5, 5, 6]: cutoff 5
  });

  it("report(...) stops a value that is not finite at once, and a stopped trial stays stopped", () => {
    const asha = new AshaScheduler({ minSteps: 10, eta: 3, maxSteps: 100, goal: "min" });
    expect(asha.report("nan", 3, Number.NaN)).toBe("stop");
    expect(asha.report("inf", 10, Number.POSITIVE_INFINITY)).toBe("stop");
    expect(asha.report("nan", 10, 0.1)).toBe("stop");
    // Neither was recorded: a lone finite value at rung 10 continues.
    expect(asha.report("ok", 10, 99)).toBe("continue");
    expect(asha.report("ok2", 10, 100)).toBe("continue");
  });

  it("new AshaScheduler(eta < 2) throws", () => {
    expect(() => new AshaScheduler({ minSteps: 1, eta: 1, maxSteps: 10, goal: "min" })).toThrow(RangeError);
  });
});

describe("quantile", () => {
  it("quantile(values, q) interpolates between order statistics", () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
    expect(quantile([7], 0.3)).toBe(7);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
  });
});
