import { describe, expect, it } from "vitest";
import { UserError } from "../../cli/errors.js";
import { checkTrialArgv, parseSweepSpec } from "../../cli/sweep/spec.js";

const FULL = `
name: cells
train: { hidden: 16, seq-len: 16, steps: 60, one-hot: true }
grid: { cell: [rnn, gru, lstm], lr: [0.003, 0.01] }
random: { dropout: { uniform: [0, 0.5] }, embedding: { int: [8, 64] }, optimizer: { choice: [adam, sgd] }, clip-norm: { log-uniform: [1e-4, 1e-1] } }
trials: 8
seeds: [1, 2]
metric: valLoss
goal: min
budget: { trials: 100, minutes: 30 }
asha: { min-steps: 20, eta: 3 }
parallel: 2
artefacts: runs/sweeps/cells
`;

/** The one line a spec is refused with. */
function refusal(text: string, file = "s.yaml"): string {
  try {
    parseSweepSpec(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const message = error instanceof Error ? error.message : "";
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("the spec was accepted");
}

const train = "train: { hidden: 16, steps: 60 }\nmetric: valLoss\n";

describe("parseSweepSpec", () => {
  it("parseSweepSpec(every key) reads each as written", () => {
    expect(parseSweepSpec(FULL, "specs/x.yaml")).toEqual({
      name: "cells",
      command: "train",
      fixed: { hidden: 16, "seq-len": 16, steps: 60, "one-hot": true },
      grid: { cell: ["rnn", "gru", "lstm"], lr: [0.003, 0.01] },
      random: {
        dropout: { kind: "uniform", low: 0, high: 0.5 },
        embedding: { kind: "int", low: 8, high: 64 },
        optimizer: { kind: "choice", values: ["adam", "sgd"] },
        "clip-norm": { kind: "log-uniform", low: 1e-4, high: 1e-1 },
      },
      trials: 8,
      seeds: [1, 2],
      metric: "valLoss",
      goal: "min",
      budget: { trials: 100, minutes: 30 },
      asha: { minSteps: 20, eta: 3 },
      parallel: 2,
      artefacts: "runs/sweeps/cells",
    });
  });

  it("parseSweepSpec(the fewest keys) fills the defaults, the name from the file", () => {
    expect(parseSweepSpec(train, "specs/my.sweep.yaml")).toEqual({
      name: "my.sweep",
      command: "train",
      fixed: { hidden: 16, steps: 60 },
      grid: {},
      random: {},
      trials: 0,
      seeds: [1],
      metric: "valLoss",
      goal: "min",
      budget: { trials: null, minutes: null },
      asha: null,
      parallel: null,
      artefacts: null,
    });
  });

  it("parseSweepSpec(random without trials) draws 10 samples", () => {
    expect(parseSweepSpec(`${train}random: { lr: { uniform: [0.1, 0.2] } }`, "s.yaml").trials).toBe(10);
  });

  it("parseSweepSpec(JSON) reads it as YAML", () => {
    const spec = parseSweepSpec(
      '{"lab": {"quick": true}, "grid": {"only": ["Q1", "Q3"]}, "metric": "holds", "goal": "max"}',
      "s.json",
    );
    expect([spec.command, spec.fixed, spec.grid, spec.goal]).toEqual([
      "lab",
      { quick: true },
      { only: ["Q1", "Q3"] },
      "max",
    ]);
  });

  it("parseSweepSpec(a flag set false, a --no- flag) accepts both spellings", () => {
    const spec = parseSweepSpec(
      "train: { clip: false, one-hot: false }\ngrid: { straight-through: [true, false] }\nmetric: valLoss",
      "s.yaml",
    );
    expect(spec.fixed).toEqual({ clip: false, "one-hot": false });
  });

  it.each([
    ["train: [1", "s.yaml: not valid YAML: "],
    ["- 1\n- 2", "s.yaml: must be a mapping of keys"],
    [
      `${train}grdi: {}`,
      "s.yaml: unknown key 'grdi' (did you mean grid?); the keys are name, train, lab, probe, grid",
    ],
    ["metric: valLoss", "s.yaml: names no command: give one of train"],
    ["train: {}\nlab: {}\nmetric: x", "s.yaml: gives both train and lab: a sweep runs one command, keep one"],
    [
      "train: { hiden: 16 }\nmetric: valLoss",
      "s.yaml: train.hiden is not an option of rnnlab train (did you mean hidden?)",
    ],
    [
      `${train}grid: { cel: [rnn] }`,
      "s.yaml: grid.cel is not an option of rnnlab train (did you mean cell?)",
    ],
    [`${train}random: { zzz: { uniform: [0, 1] } }`, "s.yaml: random.zzz is not an option of rnnlab train"],
    ["lab: { hidden: 3 }\nmetric: x", "s.yaml: lab.hidden is not an option of rnnlab lab"],
    [`${train}grid: { out: [a, b] }`, "s.yaml: grid.out: the sweep sets --out itself: remove it"],
    ["train: { json: true }\nmetric: valLoss", "s.yaml: train.json: the sweep sets --json itself"],
    [
      "train: { seed: 3 }\nmetric: valLoss",
      "s.yaml: train.seed: the sweep sets --seed: give seeds: [1, 2, ...] instead",
    ],
    [`${train}grid: { hidden: [8, 16] }`, "s.yaml: hidden is in both train and grid: give it in one place"],
    [
      "train: {}\ngrid: { lr: [0.1] }\nrandom: { lr: { uniform: [0, 1] } }\nmetric: valLoss",
      "s.yaml: lr is in both grid and random",
    ],
    [`${train}grid: { cell: [] }`, "s.yaml: grid.cell is empty: give at least one value"],
    [`${train}grid: { cell: rnn }`, "s.yaml: grid.cell must be a list ([a, b, ...]), not 'rnn'"],
    [`${train}grid: { cell: [rnn, rnn] }`, "s.yaml: grid.cell has rnn twice"],
    [
      `${train}random: { lr: { uniform: [0.1, 0.1] } }`,
      "s.yaml: random.lr.uniform is [0.1, 0.1]: low must be below high",
    ],
    [
      `${train}random: { lr: { log-uniform: [0, 1] } }`,
      "s.yaml: random.lr.log-uniform is [0, 1]: log-uniform needs low > 0",
    ],
    [
      `${train}random: { lr: { normal: [0, 1] } }`,
      "s.yaml: random.lr: unknown distribution 'normal' (kinds: uniform, log-uniform, int, choice)",
    ],
    [
      `${train}random: { layers: { int: [1, 2.5] } }`,
      "s.yaml: random.layers.int must be two integers [low, high], not 2.5",
    ],
    [`${train}random: { lr: 0.1 }`, "s.yaml: random.lr must be one distribution"],
    [`${train}seeds: [1, 1.5]`, "s.yaml: seeds[1] must be an integer in 0..4294967295, not 1.5"],
    [`${train}seeds: [2, 2]`, "s.yaml: seeds has 2 twice"],
    ["train: { hidden: 16 }", "s.yaml: metric is missing: name the summary key to optimise (metric: valLoss"],
    [`${train}goal: minimum`, "s.yaml: goal must be min or max, not minimum"],
    [
      "lab: {}\nmetric: valLoss\nasha: { min-steps: 5 }",
      "s.yaml: asha stops train runs early; a lab sweep cannot use it",
    ],
    [
      "train: { steps: 60 }\nmetric: unigramLoss\nasha: { min-steps: 5 }",
      "s.yaml: asha ranks trials by valLoss at each rung, but metric is unigramLoss",
    ],
    [`${train}asha: { min-steps: 5, eta: 1.5 }`, "s.yaml: asha.eta must be a number >= 2"],
    [`${train}asha: { min-steps: 0 }`, "s.yaml: asha.min-steps must be an integer >= 1, not 0"],
    [`${train}asha: { min-steps: 60 }`, "s.yaml: asha.min-steps 60 is not below the trials' steps (60)"],
    ["train: {}\nmetric: valLoss\nasha: { min-steps: 5 }", "s.yaml: asha needs train.steps"],
    [
      `${train}random: { lr: { uniform: [0, 1] } }\ntrials: 0`,
      "s.yaml: trials must be an integer >= 1, not 0",
    ],
    [`${train}trials: 4`, "s.yaml: trials counts samples of random, which this spec does not have"],
    [
      "train: { hidden: [16] }\nmetric: valLoss",
      "s.yaml: train.hidden must be a number, a string or true/false, not a list",
    ],
    ["train: { hidden: }\nmetric: valLoss", "s.yaml: train.hidden has no value"],
    [
      `${train}grid: { cell: [{ a: 1 }] }`,
      "s.yaml: grid.cell[0] must be a number, a string or true/false, not a mapping",
    ],
    [
      "train: { hidden: true }\nmetric: valLoss",
      "s.yaml: train.hidden takes a value (--hidden <value>), not true",
    ],
    [
      "train: { one-hot: 3 }\nmetric: valLoss",
      "s.yaml: train.one-hot is a flag: give true (--one-hot) or false, not 3",
    ],
    [`${train}random: { one-hot: { uniform: [0, 1] } }`, "s.yaml: random.one-hot is a flag"],
    [`${train}budget: { trial: 3 }`, "s.yaml: unknown key budget.trial (did you mean trials?)"],
    [`${train}budget: { minutes: -1 }`, "s.yaml: budget.minutes must be a number > 0, not -1"],
    [`${train}parallel: 0`, "s.yaml: parallel must be an integer >= 1, not 0"],
    [
      "train: { hidden: 8 }\ntrain: { hidden: 9 }\nmetric: valLoss",
      "s.yaml: not valid YAML: Map keys must be unique",
    ],
    ["train: 5\nmetric: valLoss", "s.yaml: train must be a mapping (train: { key: value, ... }), not 5"],
  ])("parseSweepSpec(%j) refuses it in one line", (text, start) => {
    expect(refusal(text)).toContain(start);
    expect(refusal(text).startsWith(start)).toBe(true);
  });

  it("parseSweepSpec(probe without a name) asks for the probe's name", () => {
    expect(refusal("probe: { norm: 2 }\nmetric: log10Ratio")).toMatch(
      /^s\.yaml: probe\.name is missing: name the probe/,
    );
  });

  it("parseSweepSpec(probe with an option no probe has) refuses it", () => {
    expect(refusal("probe: { name: gradient-ratio, zzzz: 2 }\nmetric: log10Ratio")).toMatch(/^s\.yaml: /);
  });

  it("parseSweepSpec(a probe name rnnlab probe lacks) refuses it", () => {
    expect(refusal("probe: { name: no-such-probe-at-all }\nmetric: m")).toMatch(
      /^s\.yaml: probe\.name 'no-such-probe-at-all' is not a probe/,
    );
  });

  it("parseSweepSpec(a name in probe's grid) says where the name goes", () => {
    expect(refusal("probe: { name: a }\ngrid: { name: [a, b] }\nmetric: m")).toMatch(
      /name goes in the probe block|not a probe/,
    );
  });
});

describe("checkTrialArgv", () => {
  it("checkTrialArgv(valid options) returns without running the command", () => {
    expect(() =>
      checkTrialArgv(["train", "--cell", "gru", "--hidden", "8", "--no-clip", "--seed", "1"]),
    ).not.toThrow();
  });

  it("checkTrialArgv(a choice commander rejects) names the trial in one line", () => {
    const argv = ["train", "--cell", "grux", "--seed", "1"];
    expect(() => checkTrialArgv(argv)).toThrow(UserError);
    expect(() => checkTrialArgv(argv)).toThrow(
      /^the trial 'rnnlab train --cell grux --seed 1': option '--cell <kind>' argument 'grux' is invalid\. Allowed choices are rnn, gru, lstm\.$/,
    );
  });

  it("checkTrialArgv(an unknown option) refuses it", () => {
    expect(() => checkTrialArgv(["lab", "--hidden", "3"])).toThrow(
      /^the trial 'rnnlab lab --hidden 3': unknown option '--hidden'/,
    );
  });

  it("checkTrialArgv(not a trial command) refuses it", () => {
    expect(() => checkTrialArgv(["sample"])).toThrow(
      "the trial 'rnnlab sample': not a train, lab or probe command",
    );
  });
});
