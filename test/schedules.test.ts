import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import {
  constantLr,
  cosineLr,
  type LrScheduleSpec,
  linearWarmup,
  makeLrSchedule,
  stepLr,
} from "../src/train/schedules.js";

const STEPS = [0, 1, 2, 3, 5, 6, 9, 10, 11, 25];

describe("schedules", () => {
  it("constantLr(0.1) is 0.1 at every step", () => {
    const schedule = constantLr(0.1);
    for (const step of STEPS) expect(schedule(step)).toBe(0.1);
  });

  it("stepLr(0.1, 3, 0.5) is PyTorch StepLR: 0.1·0.5^⌊step/3⌋", () => {
    const schedule = stepLr(0.1, 3, 0.5);
    expect([0, 1, 2, 3, 5, 6, 9].map(schedule)).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
    for (const step of STEPS) expect(schedule(step)).toBe(0.1 * 0.5 ** Math.floor(step / 3));
  });

  it("cosineLr(0.1, 10, 0.001) is PyTorch CosineAnnealingLR's closed form, then held at minLr", () => {
    const schedule = cosineLr(0.1, 10, 0.001);
    const pytorch = (step: number) => 0.001 + (0.099 * (1 + Math.cos((Math.PI * step) / 10))) / 2;
    for (const step of [0, 1, 3, 5, 7, 9, 10]) expect(schedule(step)).toBeCloseTo(pytorch(step), 15);
    expect(schedule(0)).toBe(0.1);
    expect(schedule(5)).toBeCloseTo(0.0505, 15);
    expect(schedule(10)).toBe(0.001);
    expect(schedule(11)).toBe(0.001);
    expect(schedule(25)).toBe(0.001);
  });

  it("cosineLr(0.1, 4) decays to 0 by default", () => {
    expect([0, 2, 4].map(cosineLr(0.1, 4))).toEqual([0.1, 0.05, 0]);
  });

  it("linearWarmup(4, constantLr(0.1)) ramps 0.025, 0.05, 0.075, 0.1 then stays", () => {
    const schedule = linearWarmup(4, constantLr(0.1));
    const expected = [0.025, 0.05, 0.075, 0.1, 0.1, 0.1];
    for (const [step, lr] of expected.entries()) expect(schedule(step)).toBeCloseTo(lr, 15);
  });

  it("linearWarmup(3, stepLr(...)) multiplies the inner schedule by min(1, (step + 1) / 3)", () => {
    const inner = stepLr(0.2, 2, 0.1);
    const schedule = linearWarmup(3, inner);
    for (const step of STEPS) expect(schedule(step)).toBe(inner(step) * Math.min(1, (step + 1) / 3));
  });

  it("makeLrSchedule(spec, base) builds the same schedules as the functions", () => {
    const cases: [LrScheduleSpec, (step: number) => number][] = [
      [{ kind: "constant" }, constantLr(0.3)],
      [{ kind: "step", stepSize: 4, gamma: 0.7 }, stepLr(0.3, 4, 0.7)],
      [{ kind: "cosine", totalSteps: 8 }, cosineLr(0.3, 8)],
      [{ kind: "cosine", totalSteps: 8, minLr: 0.01, warmup: 3 }, linearWarmup(3, cosineLr(0.3, 8, 0.01))],
      [{ kind: "step", stepSize: 2, gamma: 0.5, warmup: 0 }, stepLr(0.3, 2, 0.5)],
    ];
    for (const [spec, expected] of cases) {
      const schedule = makeLrSchedule(spec, 0.3);
      expect(STEPS.map(schedule)).toEqual(STEPS.map(expected));
    }
    expect(makeLrSchedule({ kind: "constant", warmup: 2 }, 0.3)(0)).toBeCloseTo(0.15, 15);
  });

  const invalid: [string, () => unknown][] = [
    ["stepLr(0.1, 0, 0.5)", () => stepLr(0.1, 0, 0.5)],
    ["stepLr(0.1, 1.5, 0.5)", () => stepLr(0.1, 1.5, 0.5)],
    ["stepLr(0.1, 2, NaN)", () => stepLr(0.1, 2, Number.NaN)],
    ["stepLr(0.1, 2, 0)", () => stepLr(0.1, 2, 0)],
    ["constantLr(-0.1)", () => constantLr(-0.1)],
    ["constantLr(Infinity)", () => constantLr(Number.POSITIVE_INFINITY)],
    ["cosineLr(0.1, 0)", () => cosineLr(0.1, 0)],
    ["cosineLr(0.1, 10, -0.01)", () => cosineLr(0.1, 10, -0.01)],
    ["cosineLr(0.1, 10, 0.2)", () => cosineLr(0.1, 10, 0.2)],
    ["linearWarmup(-1, inner)", () => linearWarmup(-1, constantLr(0.1))],
    ["linearWarmup(2.5, inner)", () => linearWarmup(2.5, constantLr(0.1))],
    ["makeLrSchedule({ kind: 'linear' }, 0.1)", () => makeLrSchedule({ kind: "linear" } as never, 0.1)],
    ["makeLrSchedule({ kind: 'step' }, 0.1)", () => makeLrSchedule({ kind: "step" } as never, 0.1)],
    [
      "makeLrSchedule({ kind: 'step', step_size: 2, gamma: 0.5 }, 0.1)",
      () => makeLrSchedule({ kind: "step", step_size: 2, gamma: 0.5 } as never, 0.1),
    ],
    [
      "makeLrSchedule({ kind: 'constant', totalSteps: 5 }, 0.1)",
      () => makeLrSchedule({ kind: "constant", totalSteps: 5 } as never, 0.1),
    ],
    ["makeLrSchedule(null, 0.1)", () => makeLrSchedule(null as never, 0.1)],
    ["makeLrSchedule({ kind: 'constant' }, -1)", () => makeLrSchedule({ kind: "constant" }, -1)],
    [
      "makeLrSchedule({ kind: 'cosine', totalSteps: 5, warmup: -2 }, 0.1)",
      () => makeLrSchedule({ kind: "cosine", totalSteps: 5, warmup: -2 }, 0.1),
    ],
  ];
  for (const [call, run] of invalid) {
    it(`${call} throws ConfigError`, () => {
      expect(run).toThrow(ConfigError);
    });
  }
});
