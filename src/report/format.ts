// The one number formatter of reports, evidence text and the CLI's tables.

/** Whole numbers exact (below 1e15); others to `digits` significant digits, in exponent form below
 *  1e-3 and from 1e6 (2.5e-12, 3.1e7); thousands grouped (12,345.6); "NaN"/"Infinity" as such. */
export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e15) return groupThousands(String(v));
  if (a < 1e-3 || a >= 1e6) return v.toExponential(digits - 1).replace("e+", "e");
  return groupThousands(String(Number(v.toPrecision(digits))));
}

function groupThousands(s: string): string {
  const [whole, fraction] = s.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
