import { expect } from "vitest";
import type { runParity } from "../../src/parity/index.js";

/** Every quantity of every run (float64, float32) of `report` within tolerance, naming those that are
 *  not, and more than `minQuantities` quantities compared in each run. */
export function expectWithinTolerance(
  report: ReturnType<typeof runParity>,
  file: string,
  minQuantities: number,
): void {
  for (const run of report.runs) {
    const failing = run.quantities.filter((q) => !q.ok).map((q) => `${q.name}: ${q.error.toExponential(2)}`);
    expect(failing, `${file} ${run.dtype}`).toEqual([]);
    expect(run.quantities.length).toBeGreaterThan(minQuantities);
  }
  expect(report.ok).toBe(true);
}
