import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, NumericError, ShapeError } from "../src/errors.js";
import { alloc, type Buf, type DType } from "../src/tensor.js";
import {
  clipGradNorm,
  clipGradNormPerParameter,
  clipGradValue,
  clipGradValuePerParameter,
  gradNorm,
  type NormType,
} from "../src/train/clip.js";

interface ClipFixture {
  grads: unknown[];
  clip_grad_norm: {
    max_norm: number;
    norm_type: NormType;
    total_norm: number;
    clip_coef: number;
    clipped: boolean;
    tensors: unknown[];
  }[];
  clip_grad_value: { clip_value: number; tensors: unknown[] };
}

const TOLERANCE: Record<DType, number> = { float64: 1e-12, float32: 1e-5 };

function loadFixture(name: string): ClipFixture {
  return JSON.parse(readFileSync(new URL(`./fixtures/torch/${name}`, import.meta.url), "utf8"));
}

function flat(nested: unknown): number[] {
  return Array.isArray(nested) ? nested.flatMap(flat) : [nested as number];
}

function buffers(tensors: readonly unknown[], dtype: DType): Buf[] {
  return tensors.map((t) => {
    const values = flat(t);
    const buf = alloc(dtype, values.length);
    buf.set(values);
    return buf;
  });
}

/** |a − b| <= tolerance · max(1, max|b|), the fixtures' README rule. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let maxRef = 1;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
    const diff = Math.abs(actual[i] - expected[i]);
    maxDiff = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : Math.max(maxDiff, diff);
  }
  expect(maxDiff).toBeLessThanOrEqual(tolerance * maxRef);
}

for (const file of ["clip_3_tensors.json", "clip_5_tensors.json"]) {
  const fixture = loadFixture(file);
  for (const dtype of ["float64", "float32"] as const) {
    const tolerance = TOLERANCE[dtype];
    describe(`${file} in ${dtype}`, () => {
      for (const entry of fixture.clip_grad_norm) {
        it(`clipGradNorm(grads, ${entry.max_norm}, ${JSON.stringify(entry.norm_type)}) matches PyTorch`, () => {
          const grads = buffers(fixture.grads, dtype);
          const before = grads.map((g) => g.slice());
          const result = clipGradNorm(grads, entry.max_norm, entry.norm_type);
          expectClose([result.totalNorm], [entry.total_norm], tolerance);
          expectClose([result.coef], [entry.clip_coef], tolerance);
          expect(result.clipped).toBe(entry.clipped);
          for (const [i, g] of grads.entries()) expectClose(g, flat(entry.tensors[i]), tolerance);
          if (!entry.clipped) expect(grads).toEqual(before);
        });
      }

      it(`clipGradValue(grads, ${fixture.clip_grad_value.clip_value}) matches PyTorch`, () => {
        const grads = buffers(fixture.grads, dtype);
        clipGradValue(grads, fixture.clip_grad_value.clip_value);
        for (const [i, g] of grads.entries())
          expectClose(g, flat(fixture.clip_grad_value.tensors[i]), tolerance);
      });
    });
  }
}

describe("gradNorm", () => {
  it("gradNorm([[3, 4], [12]], 2) is the 2-norm of the per-tensor norms, 13", () => {
    expect(gradNorm([Float64Array.of(3, 4), Float64Array.of(12)], 2)).toBe(13);
  });

  it("gradNorm([[1, -7], [5]], 'inf') is the largest |entry|, 7", () => {
    expect(gradNorm([Float64Array.of(1, -7), Float64Array.of(5)], "inf")).toBe(7);
  });

  it("gradNorm(grads) reports NaN when an entry is NaN, for both norms", () => {
    const grads = [Float64Array.of(1, Number.NaN, 2)];
    expect(gradNorm(grads, 2)).toBeNaN();
    expect(gradNorm(grads, "inf")).toBeNaN();
  });

  it("gradNorm(grads, 1) throws ConfigError", () => {
    expect(() => gradNorm([Float64Array.of(1)], 1 as NormType)).toThrow(ConfigError);
  });
});

describe("clipGradNorm errors", () => {
  it("clipGradNorm([[1, NaN]], 1) throws NumericError", () => {
    expect(() => clipGradNorm([Float64Array.of(1, Number.NaN)], 1)).toThrow(NumericError);
  });

  it("clipGradNorm([[Infinity]], 1, 'inf') throws NumericError", () => {
    expect(() => clipGradNorm([Float64Array.of(Number.POSITIVE_INFINITY)], 1, "inf")).toThrow(NumericError);
  });

  it("clipGradNorm([[1, NaN]], 1, 2, { errorIfNonfinite: false }) scales by NaN like PyTorch", () => {
    const g = Float64Array.of(1, Number.NaN);
    const result = clipGradNorm([g], 1, 2, { errorIfNonfinite: false });
    expect(result.totalNorm).toBeNaN();
    expect(result.clipped).toBe(true);
    expect(Array.from(g).every(Number.isNaN)).toBe(true);
  });

  it("clipGradNorm(grads, 0 | -1 | NaN | Infinity) throws ConfigError", () => {
    for (const maxNorm of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clipGradNorm([Float64Array.of(1)], maxNorm)).toThrow(ConfigError);
    }
  });

  it("clipGradValue(grads, 0) throws ConfigError", () => {
    expect(() => clipGradValue([Float64Array.of(1)], 0)).toThrow(ConfigError);
  });
});

describe("per-parameter clipping", () => {
  it("clipGradNormPerParameter([[3, 4], [0.3, 0.4]], 1) clips only the tensor whose own norm exceeds 1", () => {
    const big = Float64Array.of(3, 4);
    const small = Float64Array.of(0.3, 0.4);
    const [bigResult, smallResult] = clipGradNormPerParameter([big, small], 1);
    const coef = 1 / (5 + 1e-6);
    expect(bigResult).toEqual({ totalNorm: 5, coef, clipped: true });
    expect(Array.from(big)).toEqual([3 * coef, 4 * coef]);
    expect(smallResult.clipped).toBe(false);
    expect(Array.from(small)).toEqual([0.3, 0.4]);
  });

  it("clipGradNormPerParameter(grads, 0.5, 'inf') equals clipGradNorm on each tensor alone", () => {
    const grads = [Float64Array.of(-2, 1), Float64Array.of(0.25), Float64Array.of(0.1, -0.9, 0.3)];
    const alone = grads.map((g) => g.slice());
    const results = clipGradNormPerParameter(grads, 0.5, "inf");
    alone.forEach((g, k) => {
      expect(results[k]).toEqual(clipGradNorm([g], 0.5, "inf"));
      expect(grads[k]).toEqual(g);
    });
  });

  it("clipGradValuePerParameter([[−2, 0.5], [−2, 0.5]], [1, 0.25]) clamps each tensor to its own limit", () => {
    const grads = [Float64Array.of(-2, 0.5), Float64Array.of(-2, 0.5)];
    clipGradValuePerParameter(grads, [1, 0.25]);
    expect(Array.from(grads[0])).toEqual([-1, 0.5]);
    expect(Array.from(grads[1])).toEqual([-0.25, 0.25]);
  });

  it("clipGradValuePerParameter(two tensors, [1]) throws ShapeError", () => {
    expect(() => clipGradValuePerParameter([Float64Array.of(1), Float64Array.of(2)], [1])).toThrow(
      ShapeError,
    );
  });
});
