import { FormatError } from "../errors.js";
import type { DType } from "../tensor.js";
import { runCharlm } from "./charlm.js";
import { runClip } from "./clip.js";
import type { QuantityError } from "./compare.js";
import { type Fixture, parseFixture } from "./schema.js";
import { runRecurrent } from "./recurrent.js";

export type { QuantityError } from "./compare.js";
export { parseFixture } from "./schema.js";

/** Tolerances on the scaled error max|a − b| / max(1, max|b|) against PyTorch's float64. */
export const PARITY_TOLERANCE: Record<DType, number> = { float64: 1e-9, float32: 1e-4 };

export interface ParityRun {
  dtype: DType;
  ok: boolean;
  quantities: QuantityError[];
}

export interface ParityReport {
  source: string;
  kind: Fixture["kind"];
  ok: boolean;
  runs: ParityRun[];
}

/** Runs one fixture (parsed JSON) through rnnlab in each dtype and compares every quantity. */
export function runParity(
  json: unknown,
  source: string,
  dtypes: readonly DType[] = ["float64", "float32"],
): ParityReport {
  const fixture = parseFixture(json, source);
  const runs = dtypes.map((dtype): ParityRun => {
    const tolerance = PARITY_TOLERANCE[dtype];
    const comparison =
      fixture.kind === "recurrent"
        ? runRecurrent(fixture, dtype, tolerance)
        : fixture.kind === "charlm"
          ? runCharlm(fixture, dtype, tolerance)
          : runClip(fixture, dtype, tolerance);
    // A fixture that compares nothing must not pass (every() of nothing is true).
    if (comparison.quantities.length === 0) throw new FormatError(`${source}: the fixture compares nothing`);
    return { dtype, ok: comparison.quantities.every((q) => q.ok), quantities: comparison.quantities };
  });
  return { source, kind: fixture.kind, ok: runs.every((run) => run.ok), runs };
}
