import { describe, expect, it } from "vitest";
import {
  durationSeconds,
  durationText,
  headlineMetric,
  keyValueLines,
  textTable,
  timeText,
  valueText,
} from "../../cli/runs/format.js";
import { runsTable } from "../../cli/runs/list.js";
import { flattenConfig } from "../../src/run/config-diff.js";
import { parseRunId } from "../../cli/runs/open-store.js";
import { runRow } from "./fixtures.js";

describe("flattenConfig", () => {
  it("flattenConfig({ model: { hidden }, lr }) gives dotted keys in order", () => {
    expect(flattenConfig({ model: { hidden: 16, cell: "gru" }, lr: 0.01 })).toEqual([
      ["model.hidden", 16],
      ["model.cell", "gru"],
      ["lr", 0.01],
    ]);
  });

  it("flattenConfig keeps arrays, nulls and empty objects as values", () => {
    expect(flattenConfig({ seeds: [1, 2], clip: null, extra: {} })).toEqual([
      ["seeds", [1, 2]],
      ["clip", null],
      ["extra", {}],
    ]);
  });

  it("flattenConfig(7) is the key '', flattenConfig(undefined) nothing", () => {
    expect(flattenConfig(7)).toEqual([["", 7]]);
    expect(flattenConfig(undefined)).toEqual([]);
  });
});

describe("values and times", () => {
  it("valueText formats numbers, or writes them exactly", () => {
    expect(valueText(12345.678)).toBe("12,350");
    expect(valueText(12345.678, { exact: true })).toBe("12345.678");
    expect(valueText(null)).toBe("");
    expect(valueText([1, "a"])).toBe('[1,"a"]');
    expect(valueText(false)).toBe("false");
  });

  it("timeText(iso) is UTC to the second", () => {
    expect(timeText("2026-12-06T10:00:00.250Z")).toBe("2026-12-06 10:00:00");
    expect(timeText(null)).toBe("");
  });

  it("durationSeconds is null while running", () => {
    expect(durationSeconds(runRow(1))).toBe(65);
    expect(durationSeconds(runRow(1, { endedAt: null }))).toBeNull();
  });

  it("durationText(4.25, 65, 7500)", () => {
    expect(durationText(4.25)).toBe("4.3s");
    expect(durationText(42)).toBe("42s");
    expect(durationText(65)).toBe("1m05s");
    expect(durationText(7500)).toBe("2h05m");
    expect(durationText(null)).toBe("");
  });
});

describe("headlineMetric", () => {
  it("headlineMetric takes the sweep's metric for its trials, else valLoss", () => {
    const trial = runRow(1, { sweepId: "s1", final: { valLoss: 2, accuracy: 0.9 } });
    const sweeps = new Map([["s1", "accuracy"]]);
    expect(headlineMetric(trial, sweeps)).toEqual({ key: "accuracy", value: 0.9 });
    expect(headlineMetric(trial, new Map())).toEqual({ key: "valLoss", value: 2 });
    expect(headlineMetric(runRow(2, { final: null }), sweeps)).toBeNull();
  });
});

describe("tables", () => {
  it("textTable pads columns and right-aligns numeric ones", () => {
    const table = textTable(
      ["id", "name"],
      [
        ["1", "a"],
        ["12", "bbb"],
      ],
      [true, false],
    );
    expect(table.split("\n")).toEqual(["id  name", "--  ----", " 1  a", "12  bbb"]);
  });

  it("keyValueLines pads the keys", () => {
    expect(
      keyValueLines([
        ["a", "1"],
        ["long", "2"],
      ]),
    ).toEqual(["  a    = 1", "  long = 2"]);
  });

  it("runsTable shows each run's headline metric and duration", () => {
    const text = runsTable(
      [runRow(2), runRow(1, { status: "killed", endedAt: null, final: null })],
      new Map(),
    );
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^id\s+kind\s+status\s+name\s+sweep\s+started\s+duration\s+final$/);
    expect(lines[2]).toMatch(/^ 2\s+train\s+finished\s+run-2\s+2026-12-06 10:00:00\s+1m05s\s+valLoss 2.5$/);
    expect(lines[3]).toMatch(/^ 1\s+train\s+killed\s+run-1\s+2026-12-06 10:00:00$/);
  });

  it("runsTable([]) says there are no runs", () => {
    expect(runsTable([], new Map())).toBe("no runs\n");
  });
});

describe("parseRunId", () => {
  it("parseRunId('12') is 12; 'x1', '0', '1.5' and '0x10' are refused in one line", () => {
    expect(parseRunId("12")).toBe(12);
    for (const bad of ["x1", "0", "1.5", "0x10", ""]) {
      expect(() => parseRunId(bad)).toThrow(
        /is not a run id: ids are whole numbers; `rnnlab runs list` shows them$/,
      );
    }
  });
});
