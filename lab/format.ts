import { formatNumber } from "../src/report/index.js";

// Evidence text: the library's one number formatter, plus the lab's two shapes of number.

export { formatNumber };

/** 10^x written as 1e<x> (x rounded) when huge or tiny, for ratios kept as base-10 logarithms. */
export function pow10(log10: number): string {
  if (!Number.isFinite(log10)) return log10 > 0 ? "inf" : "0";
  if (Math.abs(log10) > 300) return `1e${Math.round(log10)}`;
  return formatNumber(10 ** log10, 3);
}

/** A fraction as a percentage with no decimals (0.25 → "25%"). */
export function pct(v: number): string {
  return `${Math.round(100 * v)}%`;
}
