// Which hidden units track something a reader can name (Karpathy et al. 2015): each unit's
// activations over a text against simple features of its characters, ranked by the strongest
// |Pearson r|.

export interface RankedUnit {
  unit: number;
  /** The feature the unit follows most closely, and the correlation. */
  feature: string;
  r: number;
}

/** Per token: each feature's value (features with no variation in this text are left out). */
export function features(tokens: string[]): Map<string, Float64Array> {
  const T = tokens.length;
  const columns = new Map<string, Float64Array>();
  const add = (name: string, value: (t: number) => number) => {
    const column = Float64Array.from({ length: T }, (_, t) => value(t));
    if (column.some((v) => v !== column[0])) columns.set(name, column);
  };
  let position = 0;
  let depth = 0;
  let quoted = false;
  const line = new Float64Array(T);
  const brackets = new Float64Array(T);
  const quotes = new Float64Array(T);
  tokens.forEach((token, t) => {
    if (token === "\n") position = 0;
    else position++;
    if (token === "(" || token === "[") depth++;
    if (token === ")" || token === "]") depth = Math.max(0, depth - 1);
    if (token === '"') quoted = !quoted;
    line[t] = position;
    brackets[t] = depth > 0 ? 1 : 0;
    quotes[t] = quoted ? 1 : 0;
  });
  add("position in line", (t) => line[t]);
  add("inside brackets", (t) => brackets[t]);
  add("inside quotes", (t) => quotes[t]);
  add("space or newline", (t) => (/^\s+$/.test(tokens[t]) ? 1 : 0));
  add("vowel", (t) => (/^[aeiouAEIOU]$/.test(tokens[t]) ? 1 : 0));
  add("capital letter", (t) => (/^[A-Z]$/.test(tokens[t]) ? 1 : 0));
  add("punctuation", (t) => (/^[.,;:!?'-]$/.test(tokens[t]) ? 1 : 0));
  return columns;
}

/** Units ordered by their strongest |r| with a feature; states [T×H], row t. */
export function rankUnits(states: Float32Array, tokens: string[], H: number): RankedUnit[] {
  const T = tokens.length;
  const columns = features(tokens);
  const ranked: RankedUnit[] = [];
  const unit = new Float64Array(T);
  for (let u = 0; u < H; u++) {
    for (let t = 0; t < T; t++) unit[t] = states[t * H + u];
    let best: RankedUnit = { unit: u, feature: "none", r: 0 };
    for (const [name, column] of columns) {
      const r = pearson(unit, column);
      if (Math.abs(r) > Math.abs(best.r)) best = { unit: u, feature: name, r };
    }
    ranked.push(best);
  }
  return ranked.sort((a, b) => Math.abs(b.r) - Math.abs(a.r));
}

/** Pearson's r of two equally long series (0 where either is constant). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}
