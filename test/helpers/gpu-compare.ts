import { expect } from "vitest";

/** Deterministic uniform values in [-scale, scale), from mulberry32 or (for older tests' inputs) a 32-bit LCG. */
export function randomFloats(
  count: number,
  seed: number,
  scale = 1,
  generator: "mulberry32" | "lcg" = "mulberry32",
): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let unit: number;
    if (generator === "lcg") {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      unit = s / 4294967296;
    } else {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    out[i] = (unit * 2 - 1) * scale;
  }
  return out;
}

/** The worst |a − b| / (rel·|b| + abs) over the elements (NaN if any is NaN): at most 1 is within tolerance. */
export function worstError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rel: number,
  abs: number,
): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length && !Number.isNaN(worst); i++) {
    const ratio = Math.abs(actual[i] - expected[i]) / (rel * Math.abs(expected[i]) + abs);
    if (!(ratio <= worst)) worst = ratio;
  }
  return worst;
}

/** The worst |a − b| over the elements divided by the largest |b| (or floor, if larger). */
export function worstScaledError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  floor: number,
): number {
  let scale = floor;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  return worst / scale;
}
