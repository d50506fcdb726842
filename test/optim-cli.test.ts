import { describe, expect, it } from "vitest";
import { DEFAULT_MINUTES } from "../cli/train/spec.js";
import { ConfigError } from "../src/errors.js";
import { parseRunConfig } from "../src/train/run-config.js";
import { horizonBound, needsFitting } from "../src/train/schedule-fit.js";
import { trainSpec } from "./helpers/train-spec.js";

// `rnnlab train`'s optimizer and schedule flags: the spec they give, and one line for a wrong combination.

const spec = trainSpec;

describe("rnnlab train --optimizer and --lr-schedule", () => {
  it.each([
    [
      [
        "--optimizer",
        "rmsprop",
        "--momentum",
        "0.5",
        "--centered",
        "--alpha",
        "0.9",
        "--optimizer-eps",
        "1e-6",
      ],
      { name: "rmsprop", lr: 0.005, alpha: 0.9, eps: 1e-6, weightDecay: 0, momentum: 0.5, centered: true },
    ],
    [
      ["--optimizer", "adagrad", "--lr-decay", "0.01", "--initial-accumulator", "0.1"],
      { name: "adagrad", lr: 0.005, lrDecay: 0.01, weightDecay: 0, initialAccumulatorValue: 0.1, eps: 1e-10 },
    ],
    [
      ["--optimizer", "adamw", "--amsgrad"],
      { name: "adamw", lr: 0.005, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, amsgrad: true },
    ],
    [
      ["--optimizer", "sgd", "--nesterov"],
      { name: "sgd", lr: 0.005, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0 },
    ],
  ])("%j gives the optimizer %j", (args, optimizer) => {
    const result = spec(["--steps", "10", ...args]);
    expect(result.optimizer).toEqual(optimizer);
    expect(parseRunConfig(result)).toEqual(result);
  });

  it.each([
    [
      ["--lr-schedule", "onecycle", "--max-lr", "0.01", "--pct-start", "0.25", "--anneal", "linear"],
      { kind: "onecycle", totalSteps: 100, maxLr: 0.01, pctStart: 0.25, anneal: "linear" },
    ],
    [["--lr-schedule", "exponential", "--lr-gamma", "0.99"], { kind: "exponential", gamma: 0.99, warmup: 0 }],
    [
      ["--lr-schedule", "multistep", "--lr-milestones", "50, 80"],
      { kind: "multistep", milestones: [50, 80], gamma: 0.1, warmup: 0 },
    ],
    [
      [
        "--lr-schedule",
        "cosine-restarts",
        "--restart-period",
        "10",
        "--restart-mult",
        "2",
        "--min-lr",
        "1e-4",
      ],
      { kind: "cosine-restarts", period: 10, periodMult: 2, minLr: 1e-4, warmup: 0 },
    ],
  ])("%j gives the schedule %j", (args, lrSchedule) => {
    const result = spec(["--steps", "100", ...args]);
    expect(result.lrSchedule).toEqual(lrSchedule);
    expect(parseRunConfig(result)).toEqual(result);
  });

  it.each([
    [
      ["--optimizer", "adam", "--momentum", "0.9"],
      "--momentum applies to --optimizer sgd, rmsprop, not --optimizer adam: drop it",
    ],
    [
      ["--optimizer", "sgd", "--amsgrad"],
      "--amsgrad applies to --optimizer adam, adamw, not --optimizer sgd",
    ],
    [
      ["--optimizer", "rmsprop", "--nesterov"],
      "--nesterov applies to --optimizer sgd, not --optimizer rmsprop",
    ],
    [
      ["--optimizer", "adam", "--lr-decay", "0.1"],
      "--lr-decay applies to --optimizer adagrad, not --optimizer adam",
    ],
    [
      ["--lr-schedule", "cosine", "--lr-milestones", "5"],
      "--lr-milestones applies to --lr-schedule multistep, not --lr-schedule cosine",
    ],
    [["--lr-schedule", "exponential"], "--lr-schedule exponential needs --lr-gamma"],
    [["--lr-schedule", "multistep"], "--lr-schedule multistep needs --lr-milestones"],
    [
      ["--lr-schedule", "multistep", "--lr-milestones", "5,x"],
      "--lr-milestones: each step must be an integer >= 1, got 'x'",
    ],
    [["--lr-schedule", "cosine-restarts"], "--lr-schedule cosine-restarts needs --restart-period"],
    [["--lr-schedule", "onecycle", "--warmup", "5"], "--warmup does not apply to --lr-schedule onecycle"],
    [
      ["--lr-schedule", "onecycle", "--pct-start", "1.5"],
      "--lr-schedule onecycle: pctStart (--pct-start) must be in (0, 1)",
    ],
    [["--lr-schedule", "constant", "--max-lr", "0.1"], "--max-lr applies to --lr-schedule onecycle"],
  ])("%j: one line, %s", (args, message) => {
    expect(() => spec(["--steps", "10", ...args])).toThrow(ConfigError);
    expect(() => spec(["--steps", "10", ...args])).toThrow(message);
  });

  it("onecycle or cosine under --minutes spans the minutes' bound until the run fits it to its pace", () => {
    for (const kind of ["onecycle", "cosine"]) {
      const fitted = spec(["--minutes", "1", "--lr-schedule", kind]);
      expect(fitted.lrSchedule).toMatchObject({ kind, totalSteps: horizonBound(1) });
      expect(needsFitting(fitted)).toBe(true);
    }
    expect(spec([]).lrSchedule).toMatchObject({ kind: "cosine", totalSteps: horizonBound(DEFAULT_MINUTES) });
  });
});
