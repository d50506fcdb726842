import { describe, expect, it } from "vitest";
import { UserError } from "../../cli/errors.js";
import { checkMetricReported, type Outcome, summarize } from "../../cli/sweep/summary.js";
import type { OptionValue, SweepSpec, Trial } from "../../cli/sweep/types.js";

function sweep(overrides: Partial<SweepSpec>): SweepSpec {
  return {
    name: "s",
    command: "train",
    fixed: {},
    grid: {},
    random: {},
    trials: 0,
    seeds: [1, 2],
    metric: "valLoss",
    goal: "min",
    budget: { trials: null, minutes: null },
    asha: null,
    parallel: null,
    artefacts: null,
    ...overrides,
  };
}

function outcome(
  key: string,
  params: Record<string, OptionValue>,
  status: string,
  value: number | null,
): Outcome {
  const seed = Number(params.seed);
  const trial: Trial = { key, command: "train", params, seed, argv: [] };
  return { trial, status, value };
}

const grid = sweep({ grid: { cell: ["rnn", "gru"], lr: [0.1, 0.2], hidden: [16] } });
const outcomes = [
  outcome("t1", { cell: "rnn", lr: 0.1, hidden: 16, seed: 1 }, "finished", 2.0),
  outcome("t2", { cell: "rnn", lr: 0.1, hidden: 16, seed: 2 }, "finished", 2.2),
  outcome("t3", { cell: "rnn", lr: 0.2, hidden: 16, seed: 1 }, "failed", null),
  outcome("t4", { cell: "rnn", lr: 0.2, hidden: 16, seed: 2 }, "finished", 1.9),
  outcome("t5", { cell: "gru", lr: 0.1, hidden: 16, seed: 1 }, "finished", 1.5),
  outcome("t6", { cell: "gru", lr: 0.1, hidden: 16, seed: 2 }, "stopped", null),
  outcome("t7", { cell: "gru", lr: 0.2, hidden: 16, seed: 1 }, "finished", 1.2),
  outcome("t8", { cell: "gru", lr: 0.2, hidden: 16, seed: 2 }, "finished", 1.4),
];

describe("summarize", () => {
  it("summarize(min goal) ranks the five lowest values first", () => {
    expect(summarize(grid, outcomes).best.map((o) => o.trial.key)).toEqual(["t7", "t8", "t5", "t4", "t1"]);
  });

  it("summarize(max goal) ranks the highest first", () => {
    const best = summarize({ ...grid, goal: "max" }, outcomes).best;
    expect(best.map((o) => o.value)).toEqual([2.2, 2.0, 1.9, 1.5, 1.4]);
  });

  it("summarize(outcomes) gives each varying option's mean and best over trials with a value", () => {
    const { effects } = summarize(grid, outcomes);
    expect(Object.keys(effects)).toEqual(["cell", "lr"]); // hidden has one value
    expect(effects.cell.map((e) => e.value)).toEqual(["rnn", "gru"]);
    expect(effects.cell[0]).toMatchObject({ count: 3, missing: 1, best: 1.9 });
    expect(effects.cell[0].mean).toBeCloseTo((2.0 + 2.2 + 1.9) / 3, 12);
    expect(effects.cell[1]).toMatchObject({ count: 3, missing: 1, best: 1.2 });
    expect(effects.cell[1].mean).toBeCloseTo((1.5 + 1.2 + 1.4) / 3, 12);
    expect(effects.lr.map((e) => [e.value, e.count, e.missing, e.best])).toEqual([
      ["0.1", 3, 1, 1.5],
      ["0.2", 3, 1, 1.2],
    ]);
    expect(effects.lr[0].mean).toBeCloseTo(1.9, 12);
  });

  it("summarize(outcomes) counts trials by status, those without a value included", () => {
    expect(summarize(grid, outcomes).counts).toEqual({ finished: 6, failed: 1, stopped: 1 });
  });

  it("summarize(outcomes).text holds the best table, the effects and the counts", () => {
    const lines = summarize(grid, outcomes).text.split("\n");
    expect(lines[0]).toBe("Best 5 of 8 trials by valLoss (min):");
    expect(lines[1].split(/\s+/).filter(Boolean)).toEqual([
      "#",
      "valLoss",
      "cell",
      "lr",
      "hidden",
      "seed",
      "trial",
    ]);
    expect(lines[2].split(/\s+/).filter(Boolean)).toEqual(["1", "1.2", "gru", "0.2", "16", "1", "t7"]);
    const cell = lines.find((l) => l.trim().startsWith("cell"));
    expect(cell?.split(/\s+/).filter(Boolean)).toEqual([
      "cell",
      "rnn",
      "2.033",
      "1.9",
      "3",
      "(+1",
      "without)",
    ]);
    expect(lines.at(-2)).toBe("Trials: 8 (6 finished, 1 failed, 1 stopped)");
  });

  it("summarize(no values) says so and still counts", () => {
    const failed = outcomes.map((o) => ({ ...o, status: "failed", value: null }));
    const summary = summarize(grid, failed);
    expect(summary.best).toEqual([]);
    expect(summary.effects.cell.map((e) => [e.count, e.missing, e.mean])).toEqual([
      [0, 4, null],
      [0, 4, null],
    ]);
    expect(summary.text).toMatch(/^No trial reported valLoss\./);
  });

  it("summarize(a sampled real option) groups its values in four ranges by rank", () => {
    const spec = sweep({ random: { dropout: { kind: "uniform", low: 0, high: 1 } }, trials: 8, seeds: [1] });
    const sampled = [0.8, 0.1, 0.3, 0.5, 0.2, 0.7, 0.4, 0.6].map((d, i) =>
      outcome(`t${i}`, { dropout: d, seed: 1 }, "finished", d * 10),
    );
    expect(summarize(spec, sampled).effects.dropout.map((e) => [e.value, e.count, e.best])).toEqual([
      ["0.1..0.2", 2, 1],
      ["0.3..0.4", 2, 3],
      ["0.5..0.6", 2, 5],
      ["0.7..0.8", 2, 7],
    ]);
  });
});

describe("checkMetricReported", () => {
  it("checkMetricReported(a metric one summary holds) passes", () => {
    expect(() => checkMetricReported("valLoss", [null, { valLoss: null }, { valLoss: 1.5 }])).not.toThrow();
  });

  it("checkMetricReported(a metric none holds) lists the keys seen in one line", () => {
    const check = () =>
      checkMetricReported("valLos", [{ valLoss: 1, steps: 60 }, null, { valLoss: 2, report: "r.html" }]);
    expect(check).toThrow(UserError);
    expect(check).toThrow(
      /^no trial reported valLos: the summaries hold valLoss, steps, report \(did you mean valLoss\?\); set metric to one of them$/,
    );
  });

  it("checkMetricReported(no summaries) says no trial printed one", () => {
    expect(() => checkMetricReported("valLoss", [null, null])).toThrow(
      /^no trial reported valLoss: no trial printed a summary$/,
    );
  });
});
