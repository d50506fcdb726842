import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type PlateauOptions, ReduceLrOnPlateau } from "../src/fit/plateau.js";

// ReduceLrOnPlateau against PyTorch 1.13's ReduceLROnPlateau: the lr after each step(metric) on
// fixed metric sequences (test/fixtures/reduce-on-plateau.json, from tools/make_plateau_fixture.py).

interface PlateauCase {
  name: string;
  lr: number;
  options: PlateauOptions;
  metrics: number[];
  lrs: number[];
}

const fixture: { torch: string; cases: PlateauCase[] } = JSON.parse(
  readFileSync("test/fixtures/reduce-on-plateau.json", "utf8"),
);

describe("ReduceLrOnPlateau", () => {
  it.each(fixture.cases)("$name with $options gives PyTorch's lrs", ({ lr, options, metrics, lrs }) => {
    const plateau = new ReduceLrOnPlateau(lr, options);
    expect(metrics.map((value) => plateau.step(value))).toEqual(lrs);
  });

  it("the fixture exercises cuts, cooldown, minLr and eps", () => {
    const cuts = fixture.cases.map((c) => new Set(c.lrs).size - 1);
    expect(Math.max(...cuts)).toBeGreaterThanOrEqual(3);
    expect(cuts).toContain(0);
  });

  it("rejects options PyTorch rejects, naming the option", () => {
    expect(() => new ReduceLrOnPlateau(0.1, { factor: 1 })).toThrow(/factor must be in \(0, 1\)/);
    expect(() => new ReduceLrOnPlateau(0.1, { patience: -1 })).toThrow(/patience/);
    expect(() => new ReduceLrOnPlateau(0.1, { thresholdMode: "x" as "abs" })).toThrow(/thresholdMode/);
  });
});
