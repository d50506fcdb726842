// Number formatting for evidence text: short, and in exponent form when very small or very large.

/** 3 significant digits; exponent form below 1e-3 and from 1e5 (e.g. 2.5e-12); "0" for zero. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(digits - 1).replace("e+", "e");
  return String(Number(v.toPrecision(digits)));
}

/** 10^x written as 1e<x> (x rounded), for ratios kept as base-10 logarithms. */
export function pow10(log10: number): string {
  if (!Number.isFinite(log10)) return log10 > 0 ? "inf" : "0";
  if (Math.abs(log10) > 300) return `1e${Math.round(log10)}`;
  return fmt(10 ** log10);
}

/** A fraction as a percentage with no decimals (e.g. 0.25 → "25%"). */
export function pct(v: number): string {
  return `${Math.round(100 * v)}%`;
}
