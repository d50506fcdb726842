import type { Buf } from "../../src/tensor.js";

// Checks on the blocks of an initialized weight matrix (row-major [G·rows×cols]).

/** Gate block g of a [G·rows×cols] matrix, as rows arrays. */
export function blockRows(values: Buf, g: number, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) =>
    Array.from(values.subarray((g * rows + r) * cols, (g * rows + r + 1) * cols)),
  );
}

/** The largest |(AᵀA − gain²·I)_ij| (rows ≥ cols) or |(AAᵀ − gain²·I)_ij| (rows < cols). */
export function orthogonalityError(a: number[][], gain = 1): number {
  const rows = a.length;
  const cols = a[0].length;
  const vectors = rows >= cols ? Array.from({ length: cols }, (_, j) => a.map((row) => row[j])) : a;
  let worst = 0;
  for (let i = 0; i < vectors.length; i++) {
    for (let j = 0; j < vectors.length; j++) {
      let dot = 0;
      for (let e = 0; e < vectors[i].length; e++) dot += vectors[i][e] * vectors[j][e];
      worst = Math.max(worst, Math.abs(dot - (i === j ? gain * gain : 0)));
    }
  }
  return worst;
}

/** Mean and (population) variance of the values. */
export function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return { mean, variance: squares / values.length };
}
