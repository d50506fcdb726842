import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandTrials, sweepId } from "../../cli/sweep/expand.js";
import { checkTrialArgv, parseSweepSpec } from "../../cli/sweep/spec.js";

// The shipped sweeps (examples/sweeps/) parse, expand to the trials their comments promise, and every
// trial's command line is one rnnlab accepts.

const folder = "examples/sweeps";
const expected: Record<string, number> = {
  "cells.yaml": 12,
  "q3-regime-map.yaml": 160,
  "pascanu-temporal-order.yaml": 60,
};

describe("examples/sweeps/*.yaml", () => {
  it("are the three sweeps the README names", () => {
    expect(readdirSync(folder).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [file, count] of Object.entries(expected)) {
    it(`parseSweepSpec(${file}) expands to ${count} trials rnnlab accepts, with distinct keys`, () => {
      const path = join(folder, file);
      const spec = parseSweepSpec(readFileSync(path, "utf8"), path);
      const trials = expandTrials(spec);
      expect(trials).toHaveLength(count);
      expect(new Set(trials.map((t) => t.key)).size).toBe(count);
      for (const trial of trials) expect(() => checkTrialArgv(trial.argv)).not.toThrow();
      expect(sweepId(spec)).toMatch(new RegExp(`^${file.replace(".yaml", "")}-[0-9a-f]{8}$`));
    });
  }
});
