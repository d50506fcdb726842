import { FormatError } from "../errors.js";
import type { DType } from "../tensor.js";
import { clipGradNorm, clipGradValue } from "../train/clip.js";
import { Comparison } from "./compare.js";
import type { ClipFixture } from "./schema.js";
import { readTensor, reference } from "./tensors.js";

/** clip_grad_norm_ for every (max_norm, norm_type) entry, each on a fresh copy, and clip_grad_value_. */
export function runClip(f: ClipFixture, dtype: DType, tolerance: number): Comparison {
  checkNotVacuous(f);
  const fresh = () => f.shapes.map((shape, i) => readTensor(f.grads[i], shape, dtype, `grads[${i}]`));
  const check = new Comparison(tolerance);
  const compareTensors = (label: string, actual: ArrayLike<number>[], expected: unknown[]) => {
    if (expected.length !== actual.length) {
      throw new FormatError(
        `'${label}.tensors' holds ${expected.length} tensors, expected ${actual.length} (one per shape)`,
      );
    }
    for (const [i, g] of actual.entries()) {
      check.values(
        `${label}.tensors[${i}]`,
        g,
        reference(expected[i], f.shapes[i], `${label}.tensors[${i}]`),
      );
    }
  };
  for (const [k, entry] of f.clip_grad_norm.entries()) {
    const grads = fresh();
    const label = `clip_grad_norm[${k}] (max_norm ${entry.max_norm}, ${entry.norm_type})`;
    const result = clipGradNorm(grads, entry.max_norm, entry.norm_type);
    check.scalar(`${label}.total_norm`, result.totalNorm, entry.total_norm);
    check.scalar(`${label}.clip_coef`, result.coef, entry.clip_coef);
    check.exact(`${label}.clipped`, result.clipped, entry.clipped);
    compareTensors(label, grads, entry.tensors);
  }
  const grads = fresh();
  clipGradValue(grads, f.clip_grad_value.clip_value);
  compareTensors("clip_grad_value", grads, f.clip_grad_value.tensors);
  return check;
}

/** A clip fixture must clip something: at least one gradient with values (an empty one would pass
 *  by comparing nothing), and as many gradients as shapes. */
function checkNotVacuous(f: ClipFixture): void {
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
