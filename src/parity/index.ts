import { FormatError } from "../errors.js";
import type { DType } from "../tensor.js";
import { runCharlm } from "./charlm.js";
import { runClip } from "./clip.js";
import type { Comparison, QuantityError } from "./compare.js";
import { type Fixture, parseFixture } from "./schema.js";
import type { GpuContext } from "../gpu/context.js";
import { runCharlmOnGpu } from "./gpu-charlm.js";
import { runClipOnGpu } from "./gpu-clip.js";
import { runRecurrentOnGpu } from "./gpu-recurrent.js";
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
  /** Every quantity of every run within tolerance, and at least one run. */
  ok: boolean;
  runs: ParityRun[];
  /** On the GPU: what was not run and why (the whole fixture when runs is empty), if anything. */
  notRun?: string[];
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
    return runOf(comparison, dtype, source);
  });
  return { source, kind: fixture.kind, ok: runs.every((run) => run.ok), runs };
}

/** runParity on the GPU of `context`, in float32 (1e-4): one run, or none when the backend lacks
 *  what the fixture needs; `notRun` says what was not run and why. */
export async function runParityOnGpu(
  json: unknown,
  source: string,
  context: GpuContext,
): Promise<ParityReport> {
  const fixture = parseFixture(json, source);
  const tolerance = PARITY_TOLERANCE.float32;
  const comparison =
    fixture.kind === "recurrent"
      ? await runRecurrentOnGpu(fixture, context, tolerance)
      : fixture.kind === "charlm"
        ? await runCharlmOnGpu(fixture, context, tolerance)
        : await runClipOnGpu(fixture, context, tolerance);
  const { notRun } = comparison;
  const runs =
    comparison.quantities.length === 0 && notRun.length > 0 ? [] : [runOf(comparison, "float32", source)];
  const ok = runs.length > 0 && runs.every((run) => run.ok);
  return { source, kind: fixture.kind, ok, runs, ...(notRun.length > 0 ? { notRun } : {}) };
}

function runOf(comparison: Comparison, dtype: DType, source: string): ParityRun {
  // A fixture that compares nothing must not pass (every() of nothing is true).
  if (comparison.quantities.length === 0) throw new FormatError(`${source}: the fixture compares nothing`);
  return { dtype, ok: comparison.quantities.every((q) => q.ok), quantities: comparison.quantities };
}
