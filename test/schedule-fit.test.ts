import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeCheckpoint } from "../src/io/checkpoint.js";
import type { RunConfig } from "../src/train/run-config.js";
import {
  defaultLrSchedule,
  fitSchedule,
  fittedSteps,
  horizonBound,
  medianMs,
  needsFitting,
} from "../src/train/schedule-fit.js";
import { rnnlab, smallTrainFlags } from "./helpers/cli.js";

// A cosine or onecycle schedule under --minutes spans the steps the minutes hold at the pace
// measured before the first step; the run then stores them as its --steps.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-schedule-fit-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const run = (over: Partial<RunConfig>) =>
  ({ steps: null, minutes: 2, evalEvery: 10, lrSchedule: defaultLrSchedule(null, 2), ...over }) as RunConfig;

describe("defaultLrSchedule(steps, minutes), needsFitting(spec)", () => {
  it("cosine over the steps; over the minutes' bound until fitted; constant with no budget", () => {
    expect(defaultLrSchedule(500, null)).toEqual({ kind: "cosine", totalSteps: 500, minLr: 0, warmup: 0 });
    const bound = horizonBound(2);
    expect(defaultLrSchedule(null, 2)).toEqual({ kind: "cosine", totalSteps: bound, minLr: 0, warmup: 0 });
    expect(horizonBound(2)).toBe(120_000); // a step takes a millisecond or more
    expect(defaultLrSchedule(null, null)).toEqual({ kind: "constant", warmup: 0 });
  });

  it("only a schedule with an end, under minutes alone, is fitted", () => {
    expect(needsFitting(run({}))).toBe(true);
    expect(needsFitting(run({ steps: 100, lrSchedule: defaultLrSchedule(100, null) }))).toBe(false);
    expect(needsFitting(run({ lrSchedule: { kind: "constant", warmup: 0 } }))).toBe(false);
    expect(needsFitting(run({ minutes: null, steps: 5 }))).toBe(false);
  });
});

describe("fittedSteps(remainingMs, pace, evalEvery), fitSchedule(spec, steps)", () => {
  it("n steps and n / evalEvery evaluations fill the time", () => {
    // 60 s at 100 ms a step and 1 s an evaluation every 10 steps: 200 ms a step, 300 steps.
    expect(fittedSteps(60_000, { msPerStep: 100, msPerEval: 1000 }, 10)).toBe(300);
    expect(fittedSteps(60_000, { msPerStep: 100, msPerEval: 0 }, 10)).toBe(600);
    expect(fittedSteps(150, { msPerStep: 100, msPerEval: 0 }, 10)).toBe(1);
  });

  it("sets the steps and the schedule's length together; too few steps is one line", () => {
    const fitted = fitSchedule(run({}), 321);
    expect(fitted.steps).toBe(321);
    expect(fitted.minutes).toBe(2);
    expect(fitted.lrSchedule).toEqual({ kind: "cosine", totalSteps: 321, minLr: 0, warmup: 0 });
    expect(() => fitSchedule(run({}), 0)).toThrow(
      /^--minutes 2 holds 0 step\(s\) at this machine's pace, too few for a cosine schedule: give more --minutes or --steps$/,
    );
  });

  it("medianMs times the median of three calls after an untimed first", () => {
    let clock = 0;
    const costs = [1000, 5, 9, 7];
    let call = 0;
    const ms = medianMs(
      () => {
        clock += costs[call++];
      },
      () => clock,
    );
    expect(call).toBe(4);
    expect(ms).toBe(7);
  });
});

describe("rnnlab train --minutes with the default cosine schedule", () => {
  it("says what it fitted, stores it as --steps, and --steps N repeats the run's steps", () => {
    const flags = smallTrainFlags(scratch, { constantLr: false });
    const first = join(scratch, "minutes");
    const r = rnnlab(["train", ...flags, "--minutes", "0.1", "--threads", "1", "--out", first]);
    expect(r.status, r.stderr).toBe(0);
    const said =
      /cosine lr schedule over ([\d,]+) steps: what --minutes 0\.1 holds here .*; --steps (\d+) repeats this run/.exec(
        r.stderr,
      );
    expect(said).not.toBeNull();
    const steps = Number(said![2]);
    expect(Number(said![1].replaceAll(",", ""))).toBe(steps);
    expect(steps).toBeGreaterThan(10);
    const stored = decodeCheckpoint(readFileSync(join(first, "checkpoint.safetensors"))).extra
      ?.train as RunConfig;
    expect(stored.steps).toBe(steps);
    expect(stored.minutes).toBe(0.1);
    expect(stored.lrSchedule).toEqual({ kind: "cosine", totalSteps: steps, minLr: 0, warmup: 0 });

    const again = join(scratch, "steps");
    const r2 = rnnlab(["train", ...flags, "--steps", String(steps), "--threads", "1", "--out", again]);
    expect(r2.status, r2.stderr).toBe(0);
    const trainLines = (dir: string) =>
      readFileSync(join(dir, "metrics.jsonl"), "utf8")
        .split("\n")
        .filter((line) => line.includes('"type":"train"'))
        .map((line) => JSON.parse(line) as { step: number; loss: number; lr: number });
    const a = trainLines(first);
    const b = trainLines(again);
    expect(b).toHaveLength(steps);
    expect(a.length).toBeGreaterThan(steps / 2); // the time may end it a few steps early
    expect(a.map((x) => [x.loss, x.lr])).toEqual(b.slice(0, a.length).map((x) => [x.loss, x.lr]));
    expect(b[steps - 1].lr).toBeLessThan(b[0].lr * 1e-3);
  });
});
