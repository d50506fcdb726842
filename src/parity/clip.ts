import { FormatError } from "../errors.js";
import type { Buf, DType } from "../tensor.js";
import { clipGradNorm, clipGradValue } from "../train/clip.js";
import { Comparison } from "./compare.js";
import type { ClipFixture } from "./schema.js";
import { readTensor, reference } from "./tensors.js";

/** What clip_grad_norm_ did to a fresh copy of the gradients: its results and the tensors after. */
export interface ClipNormRun {
  totalNorm: number;
  coef: number;
  clipped: boolean;
  tensors: ArrayLike<number>[];
}

/** clip_grad_norm_ for every (max_norm, norm_type) entry, each on a fresh copy, and clip_grad_value_. */
export function runClip(f: ClipFixture, dtype: DType, tolerance: number): Comparison {
  checkNotVacuous(f);
  const check = new Comparison(tolerance);
  for (const [k, entry] of f.clip_grad_norm.entries()) {
    const grads = clipGrads(f, dtype);
    const result = clipGradNorm(grads, entry.max_norm, entry.norm_type);
    compareClipNorm(check, f, k, { ...result, tensors: grads });
  }
  const grads = clipGrads(f, dtype);
  clipGradValue(grads, f.clip_grad_value.clip_value);
  compareClipValue(check, f, grads);
  return check;
}

/** A fresh copy of the fixture's gradients, one buffer per shape. */
export function clipGrads(f: ClipFixture, dtype: DType): Buf[] {
  return f.shapes.map((shape, i) => readTensor(f.grads[i], shape, dtype, `grads[${i}]`));
}

/** How entry k of clip_grad_norm is named: "clip_grad_norm[1] (max_norm 0.5, inf)". */
export function clipNormLabel(f: ClipFixture, k: number): string {
  const entry = f.clip_grad_norm[k];
  return `clip_grad_norm[${k}] (max_norm ${entry.max_norm}, ${entry.norm_type})`;
}

/** Entry k of clip_grad_norm: its total norm, coefficient, flag and tensors against the fixture's. */
export function compareClipNorm(check: Comparison, f: ClipFixture, k: number, run: ClipNormRun): void {
  const entry = f.clip_grad_norm[k];
  const label = clipNormLabel(f, k);
  check.scalar(`${label}.total_norm`, run.totalNorm, entry.total_norm);
  check.scalar(`${label}.clip_coef`, run.coef, entry.clip_coef);
  check.exact(`${label}.clipped`, run.clipped, entry.clipped);
  compareTensors(check, f, label, run.tensors, entry.tensors);
}

/** clip_grad_value_'s tensors against the fixture's. */
export function compareClipValue(check: Comparison, f: ClipFixture, tensors: ArrayLike<number>[]): void {
  compareTensors(check, f, "clip_grad_value", tensors, f.clip_grad_value.tensors);
}

function compareTensors(
  check: Comparison,
  f: ClipFixture,
  label: string,
  actual: ArrayLike<number>[],
  expected: unknown[],
): void {
  if (expected.length !== actual.length) {
    throw new FormatError(
      `'${label}.tensors' holds ${expected.length} tensors, expected ${actual.length} (one per shape)`,
    );
  }
  for (const [i, g] of actual.entries()) {
    check.values(`${label}.tensors[${i}]`, g, reference(expected[i], f.shapes[i], `${label}.tensors[${i}]`));
  }
}

/** A clip fixture must clip something: at least one gradient with values (an empty one would pass
 *  by comparing nothing), and as many gradients as shapes. */
export function checkNotVacuous(f: ClipFixture): void {
  if (!f.shapes.some((shape) => shape.every((n) => n > 0))) {
    throw new FormatError(
      "'shapes' holds no tensor with values: a clip fixture needs at least one non-empty gradient",
    );
  }
  if (f.grads.length !== f.shapes.length) {
    throw new FormatError(
      `'grads' holds ${f.grads.length} tensors, expected ${f.shapes.length} (one per shape)`,
    );
  }
}
