import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../src/lab/context.js";
import {
  accumulation,
  exposureBiasClaim,
  q4Experiments,
  scheduledSampling,
  teacherForcing,
} from "../src/lab/experiments/q4.js";
import { resolveSchedule } from "../src/lab/q4/setup.js";
import { epsAt } from "../src/train/feeding.js";

// One quick context for the whole file: the models are trained once and shared by every test.
const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

interface Block {
  from: number;
  to: number;
  mean: number;
  se: number;
}
interface Estimate {
  mean: number;
  se: number;
}

describe("Q4 experiments", () => {
  it("q4Experiments has one experiment per Q4 claim id, with q4- figure ids", () => {
    expect(q4Experiments.map((e) => e.id)).toEqual([
      "Q4.accumulation",
      "Q4.teacher-forcing",
      "Q4.exposure-bias",
      "Q4.scheduled-sampling",
    ]);
    for (const e of q4Experiments) expect(e.question).toBe("Q4");
  });

  it("resolveSchedule ends every decay at the requested eps", () => {
    for (const kind of ["linear", "exponential", "inverse-sigmoid"] as const) {
      const schedule = resolveSchedule({ kind, endEps: 0.5 }, 400);
      expect(epsAt(schedule, 0)).toBeGreaterThan(0.97);
      expect(epsAt(schedule, 400)).toBeCloseTo(0.5, 6);
    }
  });

  it("accumulation: an injected error fades after a few steps (partly), and holds up to that horizon", () => {
    const r = accumulation.run(accumulation.data, ctx);
    expect(r.verdict).toBe("partly");
    const d = r.data as { blocks: Block[]; persists: number; pairs: number; agreementEnd: number };
    expect(d.pairs).toBe(128);
    // The step right after the error is clearly worse...
    expect(d.blocks[0].mean).toBeGreaterThan(0.3);
    expect(d.blocks[0].mean).toBeGreaterThan(2 * d.blocks[0].se);
    // ...but the excess is gone within a few steps: not at every later step.
    expect(d.persists).toBeGreaterThanOrEqual(1);
    expect(d.persists).toBeLessThanOrEqual(4);
    const far = d.blocks.filter((b) => b.from > 8);
    for (const b of far) expect(Math.abs(b.mean)).toBeLessThan(Math.max(0.05, 3 * b.se));
    expect(d.agreementEnd).toBeGreaterThan(0.5);
    expect(r.correction).toContain(`horizon ${d.persists} gives holds`);
    const ids = (r.figures ?? []).map((f) => f.id);
    for (const id of ids) expect(id).toMatch(/^q4-[a-z0-9-]+$/);

    // The corrected claim (the error costs something up to d = persists) holds by the same computation.
    const corrected = accumulation.run({ ...accumulation.data, horizon: d.persists }, ctx);
    expect(corrected.verdict).toBe("holds");
    expect(corrected.correction).toBeNull();
  });

  it("teacher forcing: feeds only ground truth, no accumulation along the window, learns far faster (holds)", () => {
    const r = teacherForcing.run(teacherForcing.data, ctx);
    expect(r.verdict).toBe("holds");
    const d = r.data as {
      fedFractionTeacher: number;
      fedFractionAlternative: number;
      growthTeacher: Estimate;
      growthOwnFed: Estimate;
      finalLossGap: Estimate;
      speedup: number;
    };
    expect(d.fedFractionTeacher).toBe(1);
    expect(d.fedFractionAlternative).toBe(0);
    expect(d.growthTeacher.mean).toBeLessThan(2 * d.growthTeacher.se);
    expect(d.growthOwnFed.mean).toBeGreaterThan(2 * d.growthOwnFed.se);
    expect(d.finalLossGap.mean).toBeGreaterThan(0.5);
    expect(d.speedup).toBeGreaterThanOrEqual(2);
  });

  it("teacher forcing against itself: nothing removed, not faster (fails)", () => {
    const r = teacherForcing.run({ ...teacherForcing.data, alternative: { kind: "teacher-forcing" } }, ctx);
    expect(r.verdict).toBe("fails");
    const d = r.data as { learns: boolean; removes: boolean; speedup: number };
    expect(d.learns).toBe(false);
    expect(d.removes).toBe(false);
    expect(d.speedup).toBe(1);
  });

  it("teacher forcing claimed to feed 90 % ground truth: the fed-fraction check fails (partly)", () => {
    const r = teacherForcing.run({ ...teacherForcing.data, fedFraction: 0.9 }, ctx);
    expect(r.verdict).toBe("partly");
    expect((r.data as { removes: boolean }).removes).toBe(false);
  });

  it("exposure bias: after the quick budget the teacher-forced model does no worse on its own outputs (fails)", () => {
    const r = exposureBiasClaim.run(exposureBiasClaim.data, ctx);
    expect(r.verdict).toBe("fails");
    const d = r.data as { stages: { step: number; ratio: Estimate }[]; ratioFinal: Estimate };
    expect(d.stages.map((s) => s.step)).toEqual([50, 100, 150]);
    // Undertrained it is better on its own contexts than on true ones; later within noise of 1.
    expect(d.stages[0].ratio.mean).toBeLessThan(1);
    expect(Math.abs(d.ratioFinal.mean - 1)).toBeLessThan(2 * d.ratioFinal.se + 0.01);
  });

  it("exposure bias of a scheduled-sampling model instead: the verdict changes", () => {
    const r = exposureBiasClaim.run(
      {
        ...exposureBiasClaim.data,
        training: { kind: "scheduled-sampling", schedule: { kind: "linear", endEps: 0.5 }, pick: "sample" },
      },
      ctx,
    );
    expect(r.verdict).not.toBe("fails");
    const d = r.data as { ratioFinal: Estimate };
    expect(d.ratioFinal.mean - 1).toBeGreaterThan(2 * d.ratioFinal.se);
  });

  it("scheduled sampling: no schedule narrows the gap, every one raises the validation loss (fails)", () => {
    const r = scheduledSampling.run(scheduledSampling.data, ctx);
    expect(r.verdict).toBe("fails");
    const d = r.data as {
      schedules: { gapChange: Estimate; valLossChange: Estimate; narrows: boolean; widens: boolean }[];
    };
    expect(d.schedules).toHaveLength(3);
    for (const s of d.schedules) {
      expect(s.narrows).toBe(false);
      expect(s.valLossChange.mean).toBeGreaterThan(2 * s.valLossChange.se);
    }
    expect(d.schedules.filter((s) => s.widens).length).toBeGreaterThanOrEqual(1);
  });

  it("scheduled sampling claimed to widen the gap: the verdict changes", () => {
    const r = scheduledSampling.run({ ...scheduledSampling.data, effect: "widens" }, ctx);
    expect(r.verdict).not.toBe("fails");
  });

  it("every Q4 result is JSON-able with unique q4- figure ids", () => {
    const results = q4Experiments.map((e) => e.run(e.data, ctx));
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
