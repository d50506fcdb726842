import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { parseRunConfig } from "../src/train/run-config.js";
import {
  cosineLr,
  extendSchedule,
  type LrScheduleSpec,
  makeLrSchedule,
  oneCycleLr,
  restartSchedule,
  scheduleEnd,
} from "../src/train/schedules.js";
import { runSpec } from "./helpers/text-checkpoint.js";

// The end of a schedule (its horizon), and the two ways `rnnlab train --resume` goes past it:
// extendSchedule (the same schedule made for more steps) and restartSchedule (a new one from here).

const cosine: LrScheduleSpec = { kind: "cosine", totalSteps: 50, minLr: 0.001, warmup: 5 };
const onecycle: LrScheduleSpec = { kind: "onecycle", totalSteps: 50, pctStart: 0.25 };

describe("scheduleEnd", () => {
  it("is start + totalSteps for cosine and onecycle, null for schedules without an end", () => {
    expect(scheduleEnd(cosine)).toBe(50);
    expect(scheduleEnd(onecycle)).toBe(50);
    expect(scheduleEnd({ ...onecycle, start: 30 })).toBe(80);
    const endless: LrScheduleSpec[] = [
      { kind: "constant" },
      { kind: "step", stepSize: 10, gamma: 0.5 },
      { kind: "exponential", gamma: 0.99 },
      { kind: "multistep", milestones: [10] },
      { kind: "cosine-restarts", period: 10 },
    ];
    for (const spec of endless) {
      expect(scheduleEnd(spec), spec.kind).toBeNull();
    }
  });
});

describe("extendSchedule and restartSchedule", () => {
  it("extended to 100, a cosine is the cosine made for 100 steps, warm-up and all", () => {
    const extended = makeLrSchedule(extendSchedule(cosine, 100), 0.1);
    const made = makeLrSchedule({ ...cosine, totalSteps: 100 }, 0.1);
    for (const step of [0, 4, 49, 50, 75, 99, 100, 120]) expect(extended(step)).toBe(made(step));
    expect(extended(60)).toBeGreaterThan(0.001 + 1e-6); // where the old one held its minimum
  });

  it("restarted at 50 until 100, the run's step 50 + k takes the fresh schedule's step k", () => {
    const restarted = restartSchedule(cosine, 50, 100);
    expect(restarted).toEqual({ ...cosine, start: 50, totalSteps: 50 });
    expect(scheduleEnd(restarted)).toBe(100);
    const lr = makeLrSchedule(restarted, 0.1);
    const fresh = cosineLr(0.1, 50, 0.001);
    for (const k of [0, 1, 25, 49, 50, 70]) expect(lr(50 + k)).toBe(fresh(k));
    const cycle = makeLrSchedule(restartSchedule(onecycle, 50, 90), 0.1);
    const freshCycle = oneCycleLr(0.1, 40, { pctStart: 0.25 });
    for (const k of [0, 9, 10, 39, 40]) expect(cycle(50 + k)).toBe(freshCycle(k));
  });

  it("a restarted schedule extended again keeps its start; others pass through unchanged", () => {
    expect(extendSchedule({ ...cosine, start: 50, totalSteps: 50 }, 150)).toEqual({
      ...cosine,
      start: 50,
      totalSteps: 100,
    });
    const constant: LrScheduleSpec = { kind: "constant", warmup: 0 };
    expect(extendSchedule(constant, 100)).toBe(constant);
    expect(restartSchedule(constant, 50, 100)).toBe(constant);
  });

  it("a stored start goes through the run config's schema; a bad one is refused", () => {
    const spec = runSpec("text.txt", { lrSchedule: { kind: "cosine", totalSteps: 4, start: 2 } });
    expect(parseRunConfig(JSON.parse(JSON.stringify(spec))).lrSchedule).toEqual(spec.lrSchedule);
    const negative = { ...spec, lrSchedule: { kind: "cosine", totalSteps: 4, start: -1 } };
    expect(() => parseRunConfig(negative)).toThrow(/lrSchedule\.start/);
    expect(() => makeLrSchedule({ ...onecycle, start: 1.5 }, 0.1)).toThrow(ConfigError);
    expect(() => makeLrSchedule({ kind: "step", stepSize: 1, gamma: 0.5, start: 3 } as never, 0.1)).toThrow(
      /unknown option "start"/,
    );
  });
});
