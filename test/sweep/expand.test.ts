import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { expandTrials, sweepId } from "../../cli/sweep/expand.js";
import { parseSweepSpec } from "../../cli/sweep/spec.js";
import type { SweepSpec } from "../../cli/sweep/types.js";

function spec(text: string, file = "cells.yaml"): SweepSpec {
  return parseSweepSpec(`${text}\nmetric: valLoss\n`, file);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

describe("expandTrials", () => {
  it("expandTrials(grid × seeds) crosses them in the order written, the first key slowest", () => {
    const trials = expandTrials(
      spec("train: { hidden: 16 }\ngrid: { cell: [rnn, gru], lr: [0.1, 0.2] }\nseeds: [1, 2]"),
    );
    expect(trials.map((t) => `${t.params.cell} ${t.params.lr} ${t.seed}`)).toEqual([
      "rnn 0.1 1",
      "rnn 0.1 2",
      "rnn 0.2 1",
      "rnn 0.2 2",
      "gru 0.1 1",
      "gru 0.1 2",
      "gru 0.2 1",
      "gru 0.2 2",
    ]);
    expect(trials[2].argv).toEqual([
      "train",
      "--hidden",
      "16",
      "--cell",
      "rnn",
      "--lr",
      "0.2",
      "--seed",
      "1",
    ]);
    expect(trials[2].params).toEqual({ cell: "rnn", lr: 0.2, seed: 1 });
    expect(trials.every((t) => t.command === "train")).toBe(true);
  });

  it("expandTrials(a trial) keys it by the SHA-256 of {command, fixed, params, seed} with sorted keys", () => {
    const [trial] = expandTrials(spec("train: { steps: 5, hidden: 16 }\ngrid: { cell: [rnn] }"));
    const canonical =
      '{"command":"train","fixed":{"hidden":16,"steps":5},"params":{"cell":"rnn","seed":1},"seed":1}';
    expect(trial.key).toBe(`t${sha256(canonical).slice(0, 12)}`);
  });

  it("expandTrials(the same options written in another order) gives the same keys", () => {
    const a = expandTrials(spec("train: { steps: 5, hidden: 16 }\ngrid: { cell: [rnn, gru] }"));
    const b = expandTrials(spec("grid: { cell: [rnn, gru] }\ntrain: { hidden: 16, steps: 5 }", "other.yaml"));
    expect(b.map((t) => t.key)).toEqual(a.map((t) => t.key));
    expect(new Set(a.map((t) => t.key)).size).toBe(2);
  });

  it("expandTrials(flags) gives --key for true, --no-key for false, nothing for a flag's default", () => {
    const [trial] = expandTrials(spec("train: { one-hot: true, clip: false, straight-through: false }"));
    expect(trial.argv).toEqual(["train", "--one-hot", "--no-clip", "--seed", "1"]);
  });

  it("expandTrials(numbers) writes them as JavaScript prints them", () => {
    const [trial] = expandTrials(spec("train: { lr: 1e-7, clip-norm: 0.50 }"));
    expect(trial.argv).toEqual(["train", "--lr", "1e-7", "--clip-norm", "0.5", "--seed", "1"]);
  });

  it("expandTrials(random) draws the same values for the same spec, inside each distribution", () => {
    const text =
      "train: {}\nrandom: { lr: { log-uniform: [1e-4, 1e-1] }, hidden: { int: [8, 10] }, cell: { choice: [rnn, gru] }, dropout: { uniform: [0, 0.5] } }\ntrials: 30";
    const trials = expandTrials(spec(text));
    expect(expandTrials(spec(text))).toEqual(trials);
    expect(trials.length).toBeGreaterThan(20);
    for (const { params } of trials) {
      const lr = Number(params.lr);
      expect(lr).toBeGreaterThanOrEqual(1e-4);
      expect(lr).toBeLessThanOrEqual(1e-1);
      expect(Number(lr.toPrecision(4))).toBe(lr);
      expect([8, 9, 10]).toContain(params.hidden);
      expect(["rnn", "gru"]).toContain(params.cell);
      expect(Number(params.dropout)).toBeGreaterThanOrEqual(0);
      expect(Number(params.dropout)).toBeLessThanOrEqual(0.5);
    }
    expect(new Set(trials.map((t) => t.params.hidden)).size).toBe(3);
    expect(trials[0].argv.slice(0, 3)).toEqual(["train", "--lr", String(trials[0].params.lr)]);
  });

  it("expandTrials(random samples that coincide) runs each trial once", () => {
    const trials = expandTrials(
      spec("train: {}\nrandom: { cell: { choice: [gru] } }\ntrials: 5\nseeds: [1, 2]"),
    );
    expect(trials.map((t) => t.argv)).toEqual([
      ["train", "--cell", "gru", "--seed", "1"],
      ["train", "--cell", "gru", "--seed", "2"],
    ]);
  });

  it("expandTrials(grid × random × seeds) crosses all three", () => {
    const trials = expandTrials(
      spec(
        "train: {}\ngrid: { cell: [rnn, gru] }\nrandom: { lr: { uniform: [0.1, 0.9] } }\ntrials: 3\nseeds: [1, 2]",
      ),
    );
    expect(trials).toHaveLength(12);
    // The same samples under every grid value.
    expect(trials.slice(6).map((t) => t.params.lr)).toEqual(trials.slice(0, 6).map((t) => t.params.lr));
  });

  it("expandTrials(budget.trials) keeps the first trials", () => {
    const all = expandTrials(spec("train: {}\ngrid: { hidden: [8, 16, 32] }\nseeds: [1, 2]"));
    const capped = expandTrials(
      spec("train: {}\ngrid: { hidden: [8, 16, 32] }\nseeds: [1, 2]\nbudget: { trials: 4 }"),
    );
    expect(capped).toEqual(all.slice(0, 4));
  });

  it("expandTrials(probe) puts the probe's name after probe", () => {
    const probe = parseSweepSpec("probe: { name: gradient-ratio }\nmetric: log10Ratio", "q3.yaml");
    expect(expandTrials(probe)[0].argv).toEqual(["probe", "gradient-ratio", "--seed", "1"]);
  });
});

describe("sweepId", () => {
  it("sweepId(spec) is the sanitized name and 8 hex of the spec", () => {
    expect(sweepId(spec("name: 'my cells!/v2'\ntrain: {}"))).toMatch(/^my-cells-v2-[0-9a-f]{8}$/);
    expect(sweepId(spec("name: '!!'\ntrain: {}"))).toMatch(/^sweep-[0-9a-f]{8}$/);
  });

  it("sweepId(spec) changes with the trials, not with the pool size or budget", () => {
    const base = sweepId(spec("train: {}\ngrid: { hidden: [8] }"));
    expect(sweepId(spec("train: {}\ngrid: { hidden: [8] }\nparallel: 3\nbudget: { minutes: 2 }"))).toBe(base);
    expect(sweepId(spec("train: {}\ngrid: { hidden: [16] }"))).not.toBe(base);
  });
});
