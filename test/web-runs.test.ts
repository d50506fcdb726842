import { describe, expect, it } from "vitest";
import type { RunRow } from "../node/store/types.js";
import {
  CURVES,
  curveSeries,
  differingConfig,
  formatValue,
  numericFinalKeys,
  type RunDetail,
  rankedByMetric,
} from "../web/src/runs-model.js";

// The Runs view's pure steps (web/src/runs-model.ts): a sweep's trials ranked by its metric, the
// curves overlaid, the final metrics and the config keys that differ.

function run(id: number, final: RunRow["final"], config: unknown = {}): RunRow {
  return {
    id,
    kind: "trial",
    name: `t${id}`,
    sweepId: "s",
    trialKey: `k${id}`,
    config,
    git: null,
    machine: "m",
    pid: 1,
    status: final ? "finished" : "failed",
    startedAt: "2026-01-01T00:00:00.000Z",
    endedAt: null,
    final,
    artefacts: {},
    error: null,
  };
}

const ids = (runs: RunRow[]) => runs.map((r) => r.id);

describe("rankedByMetric(runs, metric, goal)", () => {
  const runs = [
    run(1, { valLoss: 2 }),
    run(2, null),
    run(3, { valLoss: 1 }),
    run(4, { valLoss: "n/a" }),
    run(5, { valLoss: 3 }),
  ];

  it("puts the lowest first for min and the highest first for max; runs without a number go last, newest first", () => {
    expect(ids(rankedByMetric(runs, "valLoss", "min"))).toEqual([3, 1, 5, 4, 2]);
    expect(ids(rankedByMetric(runs, "valLoss", "max"))).toEqual([5, 1, 3, 4, 2]);
  });
});

describe("curveSeries(runs, curve)", () => {
  const detail = (id: number, metrics: RunDetail["metrics"]): RunDetail => ({ ...run(id, null), metrics });

  it("gives one series a run, named by id and name, with the curve's value at each record's step", () => {
    const a = detail(1, {
      train: [
        { step: 1, type: "train", values: { loss: 3 } },
        { step: 2, type: "train", values: { loss: 2 } },
      ],
      val: [{ step: 2, type: "val", values: { valLoss: 2.5 } }],
    });
    const b = detail(2, { train: [{ step: 1, type: "train", values: { loss: 4, lr: 0.1 } }] });
    const [training, validation] = CURVES;
    expect(curveSeries([a, b], training).map((s) => [s.name, s.x, s.y])).toEqual([
      ["#1 t1", [1, 2], [3, 2]],
      ["#2 t2", [1], [4]],
    ]);
    expect(curveSeries([a, b], validation).map((s) => [s.x, s.y])).toEqual([
      [[2], [2.5]],
      [[], []],
    ]);
  });

  it("thins a long run to at most 400 points, keeping the first and the last", () => {
    const train = Array.from({ length: 1000 }, (_, i) => ({
      step: i + 1,
      type: "train",
      values: { loss: i },
    }));
    const [series] = curveSeries([detail(1, { train })], CURVES[0]);
    expect(series.x.length).toBeLessThanOrEqual(400);
    expect([series.x[0], series.x.at(-1)]).toEqual([1, 1000]);
  });
});

describe("differingConfig(runs) and numericFinalKeys(runs)", () => {
  it("lists the dotted config keys whose values differ, sorted, a missing key as undefined", () => {
    const runs = [
      run(1, null, { hidden: 8, lr: 0.01, model: { cell: "gru", layers: 1 } }),
      run(2, null, { hidden: 8, lr: 0.1, model: { cell: "gru", layers: 2 }, clip: 1 }),
    ];
    expect(differingConfig(runs)).toEqual([
      { key: "clip", values: [undefined, "1"] },
      { key: "lr", values: ["0.01", "0.1"] },
      { key: "model.layers", values: ["1", "2"] },
    ]);
  });

  it("compares values as JSON (arrays whole) and shows a string without its quotes", () => {
    const runs = [
      run(1, null, { seeds: [1, 2], cell: "rnn" }),
      run(2, null, { seeds: [1, 2], cell: "lstm" }),
    ];
    expect(differingConfig(runs)).toEqual([{ key: "cell", values: ["rnn", "lstm"] }]);
  });

  it("numericFinalKeys keeps the keys some run reports as a number, in first-seen order", () => {
    const runs = [run(1, { valLoss: 2, note: "x" }), run(2, { seconds: 3, valLoss: null })];
    expect(numericFinalKeys(runs)).toEqual(["valLoss", "seconds"]);
  });
});

describe("formatValue(value)", () => {
  it("writes integers whole, other numbers to 4 significant digits, and a dash for nothing", () => {
    expect([formatValue(3), formatValue(1.234567), formatValue(null), formatValue(undefined)]).toEqual([
      "3",
      "1.235",
      "–",
      "–",
    ]);
    expect([formatValue("gru"), formatValue(true)]).toEqual(["gru", "true"]);
  });
});
