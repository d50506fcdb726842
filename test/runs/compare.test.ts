import { describe, expect, it } from "vitest";
import { compareRuns, comparisonText, curveKey, runCurves } from "../../cli/runs/compare.js";
import { configDifferences } from "../../src/run/config-diff.js";
import { CURVES_FIGURE_ID, comparisonPage, curvesSpec } from "../../cli/runs/html.js";
import { runDetails, runDetailsText } from "../../cli/runs/show.js";
import { readReportData } from "../../src/report/page.js";
import type { LineSpec } from "../../src/report/spec.js";
import { records, runRow } from "./fixtures.js";

const assets = { d3: "/* d3 */", plot: "/* plot */" };

describe("configDifferences", () => {
  it("configDifferences keeps only the keys that differ, a missing key included", () => {
    const diff = configDifferences([
      { model: { cell: "gru", hidden: 16 }, lr: 0.01 },
      { model: { cell: "lstm", hidden: 16 }, lr: 0.01, clip: 1 },
    ]);
    expect(diff).toEqual([
      { key: "model.cell", values: ["gru", "lstm"] },
      { key: "clip", values: [null, 1] },
    ]);
  });

  it("configDifferences of two sweep trials names their params, not their command lines or recorder", () => {
    const trial = (lr: number, pid: number) => ({
      argv: ["train", "--lr", String(lr)],
      params: { lr, seed: 1 },
      seed: 1,
      coordinator: { host: "h", pid },
    });
    expect(configDifferences([trial(0.01, 7), trial(0.03, 8)])).toEqual([
      { key: "params.lr", values: [0.01, 0.03] },
    ]);
  });

  it("configDifferences of equal configs is empty", () => {
    expect(configDifferences([{ a: [1, 2] }, { a: [1, 2] }])).toEqual([]);
  });
});

describe("curves", () => {
  it("curveKey reads loss from train records and valLoss from val records", () => {
    const all = records(20);
    expect(
      curveKey(
        "train",
        all.filter((r) => r.type === "train"),
        "loss",
      ),
    ).toBe("loss");
    expect(
      curveKey(
        "val",
        all.filter((r) => r.type === "val"),
        "loss",
      ),
    ).toBe("valLoss");
    expect(curveKey("train", all, "accuracy")).toBeNull();
  });

  it("runCurves gives train then val, in step order", () => {
    const curves = runCurves(7, [...records(20)].reverse(), "loss");
    expect(curves.map((c) => [c.runId, c.type, c.key, c.points.length])).toEqual([
      [7, "train", "loss", 20],
      [7, "val", "valLoss", 2],
    ]);
    expect(curves[1].points).toEqual([
      [10, 2.7],
      [20, 2.2],
    ]);
  });
});

describe("compareRuns", () => {
  const a = runRow(1, { final: { valLoss: 2.5, steps: 60 } });
  const b = runRow(2, { config: { model: { cell: "lstm", hidden: 16 }, lr: 0.01 }, final: { valLoss: 2.1 } });
  const comparison = compareRuns([a, b], (id) => records(id * 10), "loss");

  it("compareRuns lines up final metrics by key, null where a run lacks one", () => {
    expect(comparison.finals).toEqual([
      { key: "valLoss", values: [2.5, 2.1] },
      { key: "steps", values: [60, null] },
    ]);
    expect(comparison.configDiff).toEqual([{ key: "model.cell", values: ["gru", "lstm"] }]);
    expect(comparison.curves.map((c) => `${c.runId} ${c.type}`)).toEqual([
      "1 train",
      "1 val",
      "2 train",
      "2 val",
    ]);
  });

  it("comparisonText has the runs, the tables and the chart", () => {
    const text = comparisonText(comparison);
    expect(text).toMatch(/^final\s+#1\s+#2$/m);
    expect(text).toMatch(/^valLoss\s+2\.5\s+2\.1$/m);
    expect(text).toMatch(/^model\.cell\s+gru\s+lstm$/m);
    expect(text).toContain("loss by step");
    expect(text).toContain("* #1 train loss   + #1 val valLoss   o #2 train loss   x #2 val valLoss");
  });

  it("comparisonText says when configs are the same and no record holds the metric", () => {
    const text = comparisonText(compareRuns([a], () => [], "accuracy"));
    expect(text).toContain("config: the same in every run");
    expect(text).toContain("no records hold accuracy");
  });

  it("curvesSpec gives each run one colour, its val curve dashed with dots", () => {
    const spec = curvesSpec(comparison);
    const [train1, val1, train2] = spec.series;
    expect(train1.color).toBe(val1.color);
    expect(train2.color).not.toBe(train1.color);
    expect(val1.dashed && val1.dots).toBe(true);
    expect(train1.x).toHaveLength(10);
  });

  it("comparisonPage embeds the tables and the curves figure", () => {
    const html = comparisonPage(comparison, assets);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("Final metrics");
    expect(html).toContain("Config differences");
    expect(html).toContain("lstm");
    const figure = readReportData(html).figures[CURVES_FIGURE_ID] as LineSpec;
    expect(figure.series.map((s) => s.name)).toEqual([
      "#1 train loss",
      "#1 val valLoss",
      "#2 train loss",
      "#2 val valLoss",
    ]);
  });

  it("comparisonPage escapes a run name", () => {
    const html = comparisonPage(
      compareRuns([runRow(1, { name: "<b>x</b>" })], () => []),
      assets,
    );
    expect(html).not.toContain("<b>x</b>");
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;");
  });
});

describe("runDetailsText", () => {
  it("runDetailsText lists fields, config, final metrics, artefacts, record counts and a chart", () => {
    const run = runRow(3, { error: null });
    const recs = records(30);
    const details = runDetails(run, recs);
    expect(details.metricCounts).toEqual({ train: 30, val: 3 });
    const text = runDetailsText(details, recs);
    expect(text).toMatch(/^run #3 \(train\)$/m);
    expect(text).toMatch(/^ {2}duration += 1m05s$/m);
    expect(text).toMatch(/^ {2}model\.hidden = 16$/m);
    expect(text).toMatch(/^ {2}valLoss = 2\.5$/m);
    expect(text).toMatch(/^ {2}checkpoint = out\/3\/checkpoint\.safetensors$/m);
    expect(text).toMatch(/^ {2}train = 30 records$/m);
    expect(text).toContain("* #3 train loss   + #3 val valLoss");
  });

  it("runDetailsText of a run without records has no chart", () => {
    const text = runDetailsText(runDetails(runRow(1, { final: null }), []), []);
    expect(text).toMatch(/^final\n {2}\(none\)$/m);
    expect(text).not.toContain("by step");
  });
});
