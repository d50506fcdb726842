import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import {
  cosineRestartsLr,
  exponentialLr,
  type LrScheduleSpec,
  makeLrSchedule,
  multiStepLr,
  oneCycleLr,
} from "../src/train/schedules.js";

// One-cycle, exponential, multi-step and cosine with warm restarts against torch.optim.lr_scheduler
// (1.13): tools/make_optim_fixtures.py recorded the lr of each update, stepping the scheduler after it.

interface ScheduleCase {
  kind: "onecycle" | "exponential" | "multistep" | "cosine-restarts";
  baseLr: number;
  torch: Record<string, unknown>;
  lrs: number[];
}

const fixture: { cases: ScheduleCase[] } = JSON.parse(
  readFileSync(new URL("./fixtures/torch-optim/optim-schedules.json", import.meta.url), "utf8"),
);

/** The spec PyTorch's arguments describe (the steps are the recorded lrs' count). */
function specFromTorch(c: ScheduleCase): LrScheduleSpec {
  const t = c.torch as Record<string, never>;
  switch (c.kind) {
    case "onecycle":
      expect(t.cycle_momentum).toBe(false);
      return {
        kind: "onecycle",
        totalSteps: t.total_steps,
        maxLr: t.max_lr,
        pctStart: t.pct_start,
        anneal: t.anneal_strategy,
        divFactor: t.div_factor,
        finalDivFactor: t.final_div_factor,
      };
    case "exponential":
      return { kind: "exponential", gamma: t.gamma };
    case "multistep":
      return { kind: "multistep", milestones: t.milestones, gamma: t.gamma };
    case "cosine-restarts":
      return { kind: "cosine-restarts", period: t.T_0, periodMult: t.T_mult, minLr: t.eta_min };
  }
}

/** An explicit undefined means "the default", as in a JSON spec without the key. */
const defined = (spec: LrScheduleSpec) =>
  Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as LrScheduleSpec;

describe("lr schedules against torch.optim.lr_scheduler", () => {
  it("the fixture covers every new kind", () => {
    expect([...new Set(fixture.cases.map((c) => c.kind))].sort()).toEqual([
      "cosine-restarts",
      "exponential",
      "multistep",
      "onecycle",
    ]);
  });

  for (const c of fixture.cases) {
    it(`${c.kind} ${JSON.stringify(c.torch)}: ${c.lrs.length} learning rates within 1e-12`, () => {
      const schedule = makeLrSchedule(defined(specFromTorch(c)), c.baseLr);
      const diff = Math.max(...c.lrs.map((lr, step) => Math.abs(schedule(step) - lr) / Math.max(lr, 1e-300)));
      expect(diff).toBeLessThanOrEqual(1e-12);
    });
  }
});

describe("the new schedules' edges", () => {
  it("oneCycleLr holds its last lr, maxLr / (divFactor·finalDivFactor), from totalSteps on", () => {
    const schedule = oneCycleLr(0.1, 20);
    expect(schedule(0)).toBeCloseTo(0.1 / 25, 15);
    expect(schedule(5)).toBeCloseTo(0.1, 15);
    expect(schedule(20)).toBe(0.1 / 25 / 1e4);
    expect(schedule(1000)).toBe(0.1 / 25 / 1e4);
  });

  it("multiStepLr sorts its milestones and counts a repeated one twice", () => {
    const schedule = multiStepLr(1, [8, 2, 8], 0.5);
    expect([0, 1, 2, 7, 8, 100].map(schedule)).toEqual([1, 1, 0.5, 0.5, 0.125, 0.125]);
  });

  it("cosineRestartsLr restarts at 0, T_0, T_0(1 + T_mult), ...", () => {
    const schedule = cosineRestartsLr(0.2, 3, 2, 0.01);
    for (const step of [0, 3, 9, 21, 45]) expect(schedule(step)).toBe(0.2);
    expect(schedule(1_000_000_000)).toBeGreaterThanOrEqual(0.01);
    expect(cosineRestartsLr(0.2, 4)(4e9)).toBe(0.2);
  });

  it("exponentialLr(0.1, 0.5) halves each step", () => {
    expect([0, 1, 2, 3].map(exponentialLr(0.1, 0.5))).toEqual([0.1, 0.05, 0.025, 0.0125]);
  });

  it.each([
    [{ kind: "onecycle", totalSteps: 10, pctStart: 1 }, "onecycle schedule: pctStart must be in (0, 1)"],
    [{ kind: "onecycle", totalSteps: 10, pctStart: 0.05 }, "pctStart·totalSteps > 1"],
    [{ kind: "onecycle", totalSteps: 10, warmup: 2 }, 'onecycle schedule: unknown option "warmup"'],
    [{ kind: "onecycle", totalSteps: 10, anneal: "cubic" }, 'anneal must be "cos" or "linear", got "cubic"'],
    [{ kind: "exponential", gamma: 0 }, "exponential schedule: gamma must be a finite number > 0"],
    [{ kind: "multistep", milestones: [] }, "multistep schedule: milestones must be a non-empty list"],
    [{ kind: "multistep", milestones: [3, 1.5] }, "milestone must be an integer >= 1"],
    [{ kind: "cosine-restarts", period: 0 }, "period must be an integer >= 1"],
    [{ kind: "cosine-restarts", period: 5, periodMult: 1.5 }, "periodMult must be an integer >= 1"],
  ])("makeLrSchedule(%j) throws one line", (spec, message) => {
    expect(() => makeLrSchedule(spec as LrScheduleSpec, 0.1)).toThrow(ConfigError);
    expect(() => makeLrSchedule(spec as LrScheduleSpec, 0.1)).toThrow(message);
  });
});
