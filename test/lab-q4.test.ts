import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../lab/context.js";
import {
  type AccumulationData,
  accumulation,
  judgeAccumulation,
  persistence,
} from "../lab/q4/error-propagation.js";
import {
  type ExposureBiasData,
  exposureBias,
  judgeExposureBias,
  type Stage,
  settlingSE,
  stageFinding,
} from "../lab/q4/exposure-bias-ratio.js";
import { resolveSchedule } from "../lab/q4/feeds.js";
import { q4 } from "../lab/q4/index.js";
import {
  judgeScheduledSampling,
  narrows,
  type ScheduleFigures,
  type ScheduledSamplingData,
  scheduledSampling,
  widens,
} from "../lab/q4/schedule-gap.js";
import { q4Setup } from "../lab/q4/setup.js";
import type { Estimate } from "../lab/q4/stats.js";
import {
  judgeTeacherForcing,
  learnsFaster,
  removesAccumulation,
  speedup,
  type TeacherForcingData,
  teacherForcing,
} from "../lab/q4/teacher-vs-free-running.js";
import { epsAt } from "../src/index.js";

// One quick context for the whole file: the models are trained once and shared by every test.
const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

// Hand-made data for the judges: only the fields a judge reads carry meaning.
const setup = q4Setup(true);
const est = (mean: number, se: number): Estimate => ({ mean, se, values: [mean] });
const block = (from: number, to: number, mean: number, se: number) => ({ from, to, mean, se });

function accumulationData(blocks: AccumulationData["blocks"]): AccumulationData {
  const zeros = [0];
  return {
    setup,
    pairs: 128,
    D: blocks[blocks.length - 1].to,
    forcedProbability: 0.01,
    cleanProbability: 0.2,
    blocks,
    excess: { mean: zeros, se: zeros },
    agreement: zeros,
    perStep: { own: zeros, oracle: zeros, clean: zeros, perturbed: zeros },
    ratioAt10: est(1, 0.01),
    ratioAtL: est(1, 0.01),
  };
}

function exposureData(ratios: [number, number][]): ExposureBiasData {
  const stages: Stage[] = ratios.map(([mean, se], i) => ({
    step: 50 * (i + 1),
    ratio: est(mean, se),
    valKL: 0.5,
  }));
  return {
    setup,
    rollouts: 128,
    stages,
    trainingKL: est(0.4, 0.01),
    ownPerStep: 0.45,
    oraclePerStep: 0.44,
    ratioAt10: est(1, 0.01),
    ratioAtQuarter: est(1, 0.01),
    ratioCurves: [{ seed: 1, ratio: [1] }],
    perSeed: [{ seed: 1, valKL: 0.4, oraclePerStep: 0.44, ownPerStep: 0.45 }],
  };
}

/** Teacher forcing reaches the alternative's final loss 3.0 at step `reach` of 150; growth along
 *  the window fed the truth and fed its own predictions as given. */
function teacherData(reach: number, growth: { teacher: Estimate; ownFed: Estimate }): TeacherForcingData {
  const step = [0, 25, 50, 75, 100, 125, 150];
  const mode = (valLoss: number[]) => ({ step, valLoss, valKL: valLoss, seeds: [] });
  return {
    setup,
    oracleLoss: 1.9,
    fedFraction: { teacher: 1, alternative: 0 },
    growth: { ...growth, alternative: est(0, 0.05) },
    positionLoss: { teacher: [], ownFed: [], alternative: [] },
    finalLossGap: est(0.9, 0.04),
    finalKLGap: est(0.9, 0.03),
    curves: {
      teacher: mode(step.map((s) => (s >= reach ? 2.9 : 4))),
      alternative: mode(step.map(() => 3)),
    },
  };
}
const GROWS = { teacher: est(0, 0.05), ownFed: est(0.3, 0.1) };

function scheduleRow(gapChange: Estimate, valLossChange: Estimate): ScheduleFigures {
  return {
    schedule: { kind: "linear", endEps: 0.5 },
    name: "linear",
    ratio: est(1, 0.01),
    ratioCurve: [1],
    valLoss: 2.3,
    valKL: 0.4,
    ownPerStep: 0.5,
    curve: { step: [0], valLoss: [3] },
    gapChange,
    valLossChange,
    groundTruthFed: 0.75,
  };
}
function scheduledData(rows: ScheduleFigures[]): ScheduledSamplingData {
  return { setup, oracleLoss: 1.9, teacherForcing: scheduleRow(est(0, 1), est(0, 1)), schedules: rows };
}

describe("Q4 judges on hand-made data", () => {
  it("judgeAccumulation: a first block at exactly 2 SE is not significant → fails", () => {
    expect(judgeAccumulation(accumulationData([block(1, 1, 0.2, 0.1)]), accumulation.stated)).toBe("fails");
  });

  it("judgeAccumulation: a first block just over 2 SE, later ones within noise → partly, persistence 1", () => {
    const data = accumulationData([block(1, 1, 0.2001, 0.1), block(2, 2, 0.01, 0.1), block(3, 4, 0.5, 0.1)]);
    expect(judgeAccumulation(data, accumulation.stated)).toBe("partly");
    expect(persistence(data.blocks)).toBe(1);
    // The claim cut down to the horizon the error does reach holds.
    expect(judgeAccumulation(data, { ...accumulation.stated, horizon: 1 })).toBe("holds");
  });

  it("judgeAccumulation: every block above 2 SE → holds; a horizon inside a block checks that block", () => {
    const data = accumulationData([block(1, 1, 0.5, 0.1), block(2, 2, 0.3, 0.1), block(3, 4, 0.2, 0.05)]);
    expect(judgeAccumulation(data, accumulation.stated)).toBe("holds");
    const fading = accumulationData([block(1, 1, 0.5, 0.1), block(2, 2, 0.3, 0.1), block(3, 4, 0.1, 0.05)]);
    expect(judgeAccumulation(fading, { ...accumulation.stated, horizon: 2 })).toBe("holds");
    expect(judgeAccumulation(fading, { ...accumulation.stated, horizon: 3 })).toBe("partly");
  });

  it("stageFinding: excess exactly 2 SE is not worse-by-evidence, just over is", () => {
    expect(stageFinding({ mean: 1.0625, se: 0.03125 })).toBe("unsettled");
    expect(stageFinding({ mean: 1.0625, se: 0.03 })).toBe("worse");
  });

  it("stageFinding: significantly above 1 but below the 1 % margin → not worse, or unsettled if it may reach it", () => {
    expect(stageFinding({ mean: 1.005, se: 0.001 })).toBe("not worse");
    expect(stageFinding({ mean: 1.009, se: 0.004 })).toBe("unsettled");
  });

  it("stageFinding: the upper end exactly at 1 + 1 % is unsettled, just under is not worse", () => {
    expect(stageFinding({ mean: 1, se: 0.005 })).toBe("unsettled");
    expect(stageFinding({ mean: 1, se: 0.0049 })).toBe("not worse");
  });

  it("judgeExposureBias: worse at every stage → holds, at some → partly, not worse at all → fails", () => {
    expect(
      judgeExposureBias(
        exposureData([
          [1.05, 0.01],
          [1.04, 0.01],
        ]),
      ),
    ).toBe("holds");
    expect(
      judgeExposureBias(
        exposureData([
          [1.0, 0.03],
          [1.04, 0.01],
        ]),
      ),
    ).toBe("partly");
    expect(
      judgeExposureBias(
        exposureData([
          [0.95, 0.01],
          [0.99, 0.004],
        ]),
      ),
    ).toBe("fails");
  });

  it("judgeExposureBias: none worse and one stage unsettled → inconclusive, not fails", () => {
    expect(
      judgeExposureBias(
        exposureData([
          [0.95, 0.01],
          [1.02, 0.02],
        ]),
      ),
    ).toBe("inconclusive");
  });

  it("judgeExposureBias on the baselines' numbers: quick (1 seed, 150 steps) → inconclusive, full → partly", () => {
    const quick = exposureData([
      [0.921, 0.012],
      [0.965, 0.016],
      [1.018, 0.019],
    ]);
    expect(judgeExposureBias(quick)).toBe("inconclusive");
    // The last stage needs se < 0.018/2 = 0.009: about (0.019/0.009)² ≈ 4.5 times the rollouts × seeds.
    expect(settlingSE(quick.stages[2].ratio)).toBeCloseTo(0.009, 12);
    const full = exposureData([
      [0.98, 0.018],
      [1.035, 0.031],
      [1.0305, 0.0068],
      [1.036, 0.0084],
    ]);
    expect(judgeExposureBias(full)).toBe("partly");
  });

  it("settlingSE: a mean below 1 + 1 % is settled when its upper end drops under it", () => {
    expect(settlingSE({ mean: 0.99, se: 0.02 })).toBeCloseTo(0.01, 12);
  });

  it("judgeTeacherForcing: growth fed the truth and fed its own, reached at half the budget → holds", () => {
    const data = teacherData(75, GROWS);
    expect(speedup(data)).toBe(2);
    expect(removesAccumulation(data, teacherForcing.stated)).toBe(true);
    expect(learnsFaster(data)).toBe(true);
    expect(judgeTeacherForcing(data, teacherForcing.stated)).toBe("holds");
  });

  it("judgeTeacherForcing: reached one evaluation later (speed-up 1.5 < 2) → partly", () => {
    const data = teacherData(100, GROWS);
    expect(learnsFaster(data)).toBe(false);
    expect(judgeTeacherForcing(data, teacherForcing.stated)).toBe("partly");
  });

  it("judgeTeacherForcing: own-fed growth exactly 2 SE and a claimed fraction of 0.9 → no removal", () => {
    const flat = teacherData(75, { teacher: est(0, 0.05), ownFed: est(0.2, 0.1) });
    expect(removesAccumulation(flat, teacherForcing.stated)).toBe(false);
    expect(removesAccumulation(teacherData(75, GROWS), { ...teacherForcing.stated, fedFraction: 0.9 })).toBe(
      false,
    );
    expect(
      judgeTeacherForcing(teacherData(150, { ...GROWS, ownFed: est(0, 0.1) }), teacherForcing.stated),
    ).toBe("fails");
  });

  it("judgeScheduledSampling: gap change exactly −2 SE does not narrow; just below does", () => {
    const cheap = est(0, 0.01);
    const stated = scheduledSampling.stated;
    expect(judgeScheduledSampling(scheduledData([scheduleRow(est(-0.04, 0.02), cheap)]), stated)).toBe(
      "fails",
    );
    expect(judgeScheduledSampling(scheduledData([scheduleRow(est(-0.0401, 0.02), cheap)]), stated)).toBe(
      "holds",
    );
  });

  it("judgeScheduledSampling: every schedule narrows but one costs validation loss → partly", () => {
    const rows = [scheduleRow(est(-0.1, 0.02), est(0, 0.01)), scheduleRow(est(-0.1, 0.02), est(0.2, 0.01))];
    expect(judgeScheduledSampling(scheduledData(rows), scheduledSampling.stated)).toBe("partly");
  });

  it("judgeScheduledSampling: claimed to widen, every schedule widens → holds (cost does not matter)", () => {
    const rows = [scheduleRow(est(0.1, 0.02), est(0.2, 0.01)), scheduleRow(est(0.05, 0.02), est(0.2, 0.01))];
    const data = scheduledData(rows);
    expect(judgeScheduledSampling(data, { ...scheduledSampling.stated, effect: "widens" })).toBe("holds");
    expect(judgeScheduledSampling(data, scheduledSampling.stated)).toBe("fails");
  });
});

describe("Q4 experiments (quick budget)", () => {
  it("q4 has one experiment per Q4 claim id, in CLAIMS.md order", () => {
    expect(q4.map((e) => e.id)).toEqual([
      "Q4.accumulation",
      "Q4.teacher-forcing",
      "Q4.exposure-bias",
      "Q4.scheduled-sampling",
    ]);
    for (const e of q4) expect(e.question).toBe("Q4");
  });

  it("resolveSchedule ends every decay at the requested eps", () => {
    for (const kind of ["linear", "exponential", "inverse-sigmoid"] as const) {
      const schedule = resolveSchedule({ kind, endEps: 0.5 }, 400);
      expect(epsAt(schedule, 0)).toBeGreaterThan(0.97);
      expect(epsAt(schedule, 400)).toBeCloseTo(0.5, 6);
    }
  });

  it("accumulation: an injected error fades after a few steps (partly), and holds up to that horizon", () => {
    const r = accumulation.run(ctx);
    expect(r.verdict).toBe("partly");
    const d = r.data;
    const persists = persistence(d.blocks);
    expect(d.pairs).toBe(128);
    // The step right after the error is clearly worse...
    expect(d.blocks[0].mean).toBeGreaterThan(0.3);
    expect(d.blocks[0].mean).toBeGreaterThan(2 * d.blocks[0].se);
    // ...but the excess is gone within a few steps: not at every later step.
    expect(persists).toBeGreaterThanOrEqual(1);
    expect(persists).toBeLessThanOrEqual(4);
    for (const b of d.blocks.filter((b) => b.from > 8))
      expect(Math.abs(b.mean)).toBeLessThan(Math.max(0.05, 3 * b.se));
    expect(d.agreement[d.setup.maxLength - 1]).toBeGreaterThan(0.5);
    expect(r.correction).toContain(`horizon ${persists} gives holds`);

    // The corrected claim (the error costs something up to d = persists) holds by the same computation.
    const corrected = accumulation.run(ctx, { ...accumulation.stated, horizon: persists });
    expect(corrected.verdict).toBe("holds");
    expect(corrected.correction).toBeNull();
  });

  it("teacher forcing: feeds only ground truth, no accumulation along the window, learns far faster (holds)", () => {
    const r = teacherForcing.run(ctx);
    expect(r.verdict).toBe("holds");
    const d = r.data;
    expect(d.fedFraction.teacher).toBe(1);
    expect(d.fedFraction.alternative).toBe(0);
    expect(d.growth.teacher.mean).toBeLessThan(2 * d.growth.teacher.se);
    expect(d.growth.ownFed.mean).toBeGreaterThan(2 * d.growth.ownFed.se);
    expect(d.finalLossGap.mean).toBeGreaterThan(0.5);
    expect(speedup(d)).toBeGreaterThanOrEqual(2);
  });

  it("teacher forcing against itself: nothing removed, not faster (fails)", () => {
    const stated = { ...teacherForcing.stated, alternative: { kind: "teacher-forcing" as const } };
    const r = teacherForcing.run(ctx, stated);
    expect(r.verdict).toBe("fails");
    expect(learnsFaster(r.data)).toBe(false);
    expect(removesAccumulation(r.data, stated)).toBe(false);
    expect(speedup(r.data)).toBe(1);
  });

  it("teacher forcing claimed to feed 90 % ground truth: the fed-fraction check fails (partly)", () => {
    const stated = { ...teacherForcing.stated, fedFraction: 0.9 };
    const r = teacherForcing.run(ctx, stated);
    expect(r.verdict).toBe("partly");
    expect(removesAccumulation(r.data, stated)).toBe(false);
  });

  it("exposure bias at the quick budget: no stage worse, the last one not told apart → inconclusive", () => {
    const r = exposureBias.run(ctx);
    expect(r.verdict).toBe("inconclusive");
    const { stages } = r.data;
    expect(stages.map((s) => s.step)).toEqual([50, 100, 150]);
    // Undertrained it is better on its own contexts than on true ones; later within noise of 1.
    expect(stages[0].ratio.mean).toBeLessThan(1);
    expect(stageFinding(stages[0].ratio)).toBe("not worse");
    expect(stageFinding(stages[2].ratio)).toBe("unsettled");
    expect(r.correction).toMatch(/Settling it needs a standard error of the ratio below/);
    expect(r.correction).toContain("the full lab");
  });

  it("exposure bias of a scheduled-sampling model instead: worse at the full budget", () => {
    const r = exposureBias.run(ctx, {
      ...exposureBias.stated,
      training: { kind: "scheduled-sampling", schedule: { kind: "linear", endEps: 0.5 }, pick: "sample" },
    });
    expect(["holds", "partly"]).toContain(r.verdict);
    expect(stageFinding(r.data.stages[r.data.stages.length - 1].ratio)).toBe("worse");
  });

  it("scheduled sampling: no schedule narrows the gap, every one raises the validation loss (fails)", () => {
    const r = scheduledSampling.run(ctx);
    expect(r.verdict).toBe("fails");
    const { schedules } = r.data;
    expect(schedules).toHaveLength(3);
    for (const s of schedules) {
      expect(narrows(s)).toBe(false);
      expect(s.valLossChange.mean).toBeGreaterThan(2 * s.valLossChange.se);
    }
    expect(schedules.filter(widens).length).toBeGreaterThanOrEqual(1);
  });

  it("scheduled sampling claimed to widen the gap: the verdict changes", () => {
    const r = scheduledSampling.run(ctx, { ...scheduledSampling.stated, effect: "widens" });
    expect(r.verdict).not.toBe("fails");
  });

  it("every Q4 result is JSON-able with unique q4- figure ids", () => {
    const results = q4.map((e) => e.run(ctx));
    const ids = results.flatMap((r) => (r.figures ?? []).map((f) => f.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^q4-[a-z0-9-]+$/);
    for (const r of results) {
      expect(r.evidence.length).toBeGreaterThan(100);
      expect(() => JSON.stringify(r)).not.toThrow();
      if (r.verdict === "holds") expect(r.correction).toBeNull();
      else expect(r.correction).toBeTruthy();
    }
  });
});
