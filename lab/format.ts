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

// Formulas in the lab's text are inline TeX between `$…$` (the report typesets them as MathML);
// texToText writes them as Unicode plain text for the terminal. It knows only the macros below, and
// test/lab-tex.test.ts fails on a lab string that uses any other.

/** Control words written as a Unicode symbol or a word. */
export const TEX_SYMBOLS: Readonly<Record<string, string>> = {
  sum: "Σ",
  prod: "∏",
  partial: "∂",
  alpha: "α",
  gamma: "γ",
  delta: "δ",
  varepsilon: "ε",
  lambda: "λ",
  theta: "θ",
  sigma: "σ",
  lVert: "‖",
  rVert: "‖",
  lvert: "|",
  rvert: "|",
  le: "≤",
  ge: "≥",
  ne: "≠",
  approx: "≈",
  sim: "~",
  pm: "±",
  in: "∈",
  cdot: "·",
  odot: "⊙",
  times: "×",
  ldots: "…",
  cdots: "…",
  to: "→",
  leftarrow: "←",
  infty: "∞",
  top: "ᵀ",
  tanh: "tanh",
  max: "max",
  min: "min",
  log: "log",
  ln: "ln",
  exp: "exp",
  cos: "cos",
  left: "",
  right: "",
};

/** Control words with one argument ({…}), and \frac with two. */
export const TEX_COMMANDS: readonly string[] = ["operatorname", "text", "mathrm", "mathbf", "sqrt", "frac"];

/** Escaped characters: `\{`, `\}`, `\|`, `\%`, `\,` (thin space), `\ ` (space). */
const TEX_ESCAPES: Readonly<Record<string, string>> = {
  "{": "{",
  "}": "}",
  "|": "‖",
  "%": "%",
  ",": " ",
  " ": " ",
};

/** The text with every `$…$` span written as Unicode plain text ("$\sum_{i=1}^{T} x_i$" → "Σ_{i=1}^T x_i"). */
export function texToText(text: string): string {
  return text.replace(/\$([^$]*)\$/g, (_, tex: string) =>
    new TexReader(tex).group(tex.length).replace(/ {2,}/g, " ").trim(),
  );
}

/** Relations and binary operators, written with a space on each side. */
const TEX_RELATIONS = new Set([
  "le",
  "ge",
  "ne",
  "approx",
  "sim",
  "pm",
  "in",
  "to",
  "leftarrow",
  "cdot",
  "times",
  "odot",
]);
/** Symbols that keep the spaces written after them. */
const SPACED = new Set(["ldots", "cdots"]);
/** Opening delimiters and ∂, written close to what follows. */
const OPENERS = new Set(["lVert", "lvert", "left", "partial"]);

/** A reader over one formula: `pos` moves forward as tokens are written out. */
class TexReader {
  pos = 0;
  constructor(private readonly tex: string) {}

  /** Everything up to `end` (or the `}` that closes the current group). */
  group(end: number): string {
    let out = "";
    while (this.pos < end && this.tex[this.pos] !== "}") out += this.token();
    return out;
  }

  /** One argument: a {…} group or a single token. */
  argument(): string {
    while (this.tex[this.pos] === " ") this.pos++;
    if (this.tex[this.pos] !== "{") return this.token();
    this.pos++;
    const inner = this.group(this.tex.length);
    this.pos++;
    return inner;
  }

  token(): string {
    const c = this.tex[this.pos++];
    if (c === "\\") return this.command();
    if (c === "{") {
      const inner = this.group(this.tex.length);
      this.pos++;
      return inner;
    }
    if (c === "_" || c === "^") return script(c, this.argument());
    if (c === "-") return "−";
    return c;
  }

  command(): string {
    const name = /^[a-zA-Z]+/.exec(this.tex.slice(this.pos))?.[0];
    if (!name) return TEX_ESCAPES[this.tex[this.pos++]] ?? "";
    this.pos += name.length;
    if (name === "frac") return `${parenthesized(this.argument())}/${parenthesized(this.argument())}`;
    if (name === "sqrt") return `√${parenthesized(this.argument())}`;
    if (TEX_COMMANDS.includes(name)) return this.argument();
    // The space that ends a control word before a letter or digit is TeX's, not the formula's.
    const after = (OPENERS.has(name) ? /^ +/ : /^ +(?=[a-zA-Z0-9])/).exec(this.tex.slice(this.pos));
    if (after && !SPACED.has(name)) this.pos += after[0].length;
    const symbol = TEX_SYMBOLS[name] ?? `\\${name}`;
    return TEX_RELATIONS.has(name) ? ` ${symbol} ` : symbol;
  }
}

/** x_t, h_{t−1}, W^T, (−1)^{T−i}; a transpose ^\top as Wᵀ. */
function script(mark: string, body: string): string {
  if (mark === "^" && body === "ᵀ") return body;
  return [...body].length === 1 ? `${mark}${body}` : `${mark}{${body}}`;
}

/** a/b needs brackets around a compound a or b: (a + b)/2. */
function parenthesized(text: string): string {
  return /[\s+−=·]/.test(text) ? `(${text})` : text;
}
