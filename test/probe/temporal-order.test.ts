import { describe, expect, it } from "vitest";
import { readOptions } from "../../lab/probes/index.js";
import { temporalOrderProbe, trainTemporalOrder } from "../../lab/probes/temporal-order.js";
import type { ProbeHooks } from "../../lab/probes/types.js";

const train = (options: Record<string, string>, onProgress: ProbeHooks["progress"] = () => {}) =>
  trainTemporalOrder(readOptions(temporalOrderProbe, { seed: "1", ...options }), { progress: onProgress });

describe("trainTemporalOrder", () => {
  it("learns T = 10 without clipping: accuracy 1 and a loss far below guessing's ln 4", () => {
    const run = train({ "seq-len": "10", clip: "none" });
    expect(run).toMatchObject({ seqLen: 10, clip: "none", success: 1, diverged: 0, steps: 600 });
    expect(run.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(run.testLoss).toBeLessThan(Math.log(4) / 10);
  });

  it("marks a run whose loss blows up as diverged, with no test loss and no success", () => {
    const run = train({ "seq-len": "10", clip: "none", lr: "100", steps: "100" });
    expect(run).toMatchObject({ success: 0, accuracy: 0, testLoss: null, diverged: 1 });
  });

  it("reports progress in twentieths up to the last step, with a finite loss", () => {
    const reports: [number, number, number][] = [];
    train({ "seq-len": "10", clip: "norm", steps: "40" }, (done, total, values) => {
      reports.push([done, total, values.loss]);
    });
    expect(reports.map(([done]) => done)).toEqual(Array.from({ length: 20 }, (_, i) => 2 * (i + 1)));
    expect(reports.every(([, total, loss]) => total === 40 && Number.isFinite(loss))).toBe(true);
  });
});
