// Small numeric helpers for Q4: softmax rows, KL, means and standard errors.

/** out = log softmax(values[row..row+V)), in float64. */
export function logSoftmaxRow(values: ArrayLike<number>, row: number, V: number, out: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < V; v++) max = Math.max(max, values[row + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(values[row + v] - max);
  const shift = max + Math.log(sum);
  for (let v = 0; v < V; v++) out[v] = values[row + v] - shift;
}

/** KL(p || q) = Σ p (log p − log q) with p = P[row..row+V) and q given as log q (0 terms where
 *  p = 0; round-off below 0 clamped to 0). */
export function klRow(P: ArrayLike<number>, row: number, logq: Float64Array, V: number): number {
  let kl = 0;
  for (let v = 0; v < V; v++) {
    const p = P[row + v];
    if (p > 0) kl += p * (Math.log(p) - logq[v]);
  }
  return Math.max(0, kl);
}

/** The token whose cumulative probability first exceeds u (0 <= u < 1), q given as log q: the
 *  inverse-CDF draw, so two distributions sampled with the same u give the same token when they
 *  are close (common random numbers). */
export function inverseCdf(logq: Float64Array, V: number, u: number): number {
  let total = 0;
  for (let v = 0; v < V; v++) total += Math.exp(logq[v]);
  let r = u * total;
  for (let v = 0; v < V; v++) {
    r -= Math.exp(logq[v]);
    if (r < 0) return v;
  }
  return V - 1;
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length > 0 ? s / values.length : Number.NaN;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function sd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return 0;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Standard error of the mean: sd / √n (0 for fewer than two values). */
export function se(values: ArrayLike<number>): number {
  return values.length < 2 ? 0 : sd(values) / Math.sqrt(values.length);
}

/** Two independent sources of error combined: √(a² + b²). */
export function combine(a: number, b: number): number {
  return Math.hypot(a, b);
}

/** `x` to `digits` significant figures, for the evidence text. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 1e4 || abs < 1e-3) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toString();
}

/** a ± b, b to `digits` significant figures and a to the same decimals. */
export function pm(value: number, error: number, digits = 2): string {
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.max(Math.abs(error), 1e-12))));
  const d = Math.min(decimals, 6);
  return `${value.toFixed(d)} ± ${error.toFixed(d)}`;
}
