import { ConfigError } from "../errors.js";

// LSTMVis's span hypothesis (Strobelt et al. 2018): a reader marks a span of text; the units that
// are on (h ≥ θ) at every position of the span and off (h < θ) at the few positions around it are
// the ones that could encode "this span"; the other places where all those units are on together
// test the hypothesis. states [T×H] are a layer's h_t, row t the state after token t.

/** Tokens [start, end] (both included) of a text. */
export interface TokenSpan {
  start: number;
  end: number;
}

export interface SpanQuery extends TokenSpan {
  /** θ: a unit is on at t when h_t ≥ θ. */
  threshold: number;
  /** How many positions on each side of the span must have the unit off (fewer at the text's ends). */
  margin: number;
}

/** The units on at every position of the span and off at the `margin` positions before and after. */
export function unitsOnInSpan(states: ArrayLike<number>, H: number, query: SpanQuery): number[] {
  const T = states.length / H;
  const { start, end, threshold, margin } = query;
  checkSpan(query, T);
  if (!Number.isInteger(margin) || margin < 0)
    throw new ConfigError(`margin must be an integer >= 0, got ${margin}`);
  if (!Number.isFinite(threshold)) throw new ConfigError(`threshold must be a number, got ${threshold}`);
  const units: number[] = [];
  for (let u = 0; u < H; u++) {
    let fits = true;
    for (let t = start; t <= end && fits; t++) fits = states[t * H + u] >= threshold;
    const before = Math.max(0, start - margin);
    const after = Math.min(T - 1, end + margin);
    for (let t = before; t < start && fits; t++) fits = states[t * H + u] < threshold;
    for (let t = end + 1; t <= after && fits; t++) fits = states[t * H + u] < threshold;
    if (fits) units.push(u);
  }
  return units;
}

export interface SpanMatch extends TokenSpan {
  /** The least value of the units over the run, averaged over its positions: how clearly on. */
  strength: number;
}

/** The maximal runs of positions where every one of `units` is on (h ≥ threshold), best first:
 *  closest in length to `length` (the hypothesis's span), then the most clearly on. Runs that
 *  overlap `exclude` (the span itself, when the states are of the same text) are left out. */
export function findMatches(
  states: ArrayLike<number>,
  H: number,
  units: readonly number[],
  options: { threshold: number; length: number; limit: number; exclude?: TokenSpan },
): SpanMatch[] {
  if (units.length === 0) return [];
  const T = states.length / H;
  const { threshold, length, limit, exclude } = options;
  const matches: SpanMatch[] = [];
  let start = -1;
  let sum = 0;
  for (let t = 0; t <= T; t++) {
    let least = Number.POSITIVE_INFINITY;
    for (const u of units) least = Math.min(least, t < T ? states[t * H + u] : Number.NEGATIVE_INFINITY);
    if (least >= threshold) {
      if (start < 0) [start, sum] = [t, 0];
      sum += least;
      continue;
    }
    if (start < 0) continue;
    const end = t - 1;
    if (!exclude || end < exclude.start || start > exclude.end)
      matches.push({ start, end, strength: sum / (end - start + 1) });
    start = -1;
  }
  const gap = (m: SpanMatch) => Math.abs(m.end - m.start + 1 - length);
  matches.sort((a, b) => gap(a) - gap(b) || b.strength - a.strength);
  return matches.slice(0, limit);
}

function checkSpan(span: TokenSpan, T: number): void {
  const { start, end } = span;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end >= T) {
    throw new ConfigError(
      `the span must be tokens start..end with 0 <= start <= end < ${T}, got ${start}..${end}`,
    );
  }
}
