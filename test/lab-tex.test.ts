import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { experiments } from "../lab/claims.js";
import { createLabContext } from "../lab/context.js";
import { TEX_COMMANDS, TEX_SYMBOLS, texToText } from "../lab/format.js";
import { runLab } from "../lab/run.js";
import type { ClaimResult } from "../lab/types.js";
import type { CellValue } from "../src/report/index.js";

// The lab's formulas are inline TeX in `$…$`: the report typesets them, the terminal reads them
// through texToText. Every lab string must use only macros texToText knows, so that a new formula
// with an unknown macro fails here rather than printing `\foo` in the terminal.

describe("texToText", () => {
  const cases: [string, string][] = [
    ["$\\sum_{i=1}^{T} (-1)^{T-i} x_i$", "Σ_{i=1}^T (−1)^{T−i} x_i"],
    ["$10\\cdot h_T$", "10 · h_T"],
    ["$\\prod_{i=1}^{T} a_i$", "∏_{i=1}^T a_i"],
    [
      "$\\lVert \\partial h_T/\\partial h_{T-k}\\rVert \\le (\\gamma\\lVert W\\rVert)^k$",
      "‖∂h_T/∂h_{T−k}‖ ≤ (γ‖W‖)^k",
    ],
    ["$\\frac{\\partial L}{\\partial h_t}$", "∂L/∂h_t"],
    ["$\\frac{a + b}{2}$", "(a + b)/2"],
    ["$\\sigma(z)(1 - \\sigma(z))$", "σ(z)(1 − σ(z))"],
    ["$W^\\top \\operatorname{diag}(\\sigma'(z))$", "Wᵀ diag(σ'(z))"],
    ["$W^{\\top}$", "Wᵀ"],
    ["$\\tanh(x) \\ne 0$", "tanh(x) ≠ 0"],
    ["$a \\ge b$, $a \\approx b$, $x \\sim U$, $0.1 \\pm 0.2$", "a ≥ b, a ≈ b, x ~ U, 0.1 ± 0.2"],
    ["$x \\in [0, 1)$, $d \\to \\infty$", "x ∈ [0, 1), d → ∞"],
    ["$10 \\cdot h_T$, $H \\times E$, $u \\odot v$", "10 · h_T, H × E, u ⊙ v"],
    ["$x_1 = \\ldots = x_t$, $a \\cdots b$", "x_1 = … = x_t, a … b"],
    ["$\\alpha \\delta \\varepsilon_i \\lambda$", "α δ ε_i λ"],
    ["$g \\leftarrow \\theta g$", "g ← θg"],
    ["$\\lvert x\\rvert$", "|x|"],
    ["$\\max_i \\min_j \\log \\ln \\exp \\cos$", "max_i min_j log ln exp cos"],
    ["$\\sqrt{n}$, $\\sqrt{2 n}$", "√n, √(2 n)"],
    ["$\\text{acc}_{\\text{model}}(l)$, $\\mathrm{KL}$, $\\mathbf{h}$", "acc_{model}(l), KL, h"],
    ["$\\left(\\frac{1}{4}\\right)^{T}$", "(1/4)^T"],
    ["$\\{0, 1\\}$, $5\\%$, $a\\,b$, $\\|g\\|$", "{0, 1}, 5%, a b, ‖g‖"],
    ["loss 0.52 and no formula", "loss 0.52 and no formula"],
  ];
  for (const [tex, text] of cases) it(`${tex} → ${text}`, () => expect(texToText(tex)).toBe(text));

  it("covers every macro it lists", () => {
    const used = new Set(cases.flatMap(([tex]) => [...tex.matchAll(/\\([a-zA-Z]+)/g)].map((m) => m[1])));
    for (const name of [...Object.keys(TEX_SYMBOLS), ...TEX_COMMANDS]) expect(used, name).toContain(name);
  });
});

/** A formula written as text: a TeX macro or a script, a norm or an absolute value, a relation or a
 *  Greek letter typed out, σ' spelled "sigma", ∂L/∂h spelled "dL/dh", √n spelled "sqrt(n)", ε "eps". */
const RAW_FORMULA =
  /\\[a-zA-Z]+|[_^]\{|\^[\w(]|(?<![\w.])[a-zA-Z]'?_\w|\|\||(?<!\|)\|[a-zA-Z]\||<=|>=|->|[Σσ‖∂∏]|\b(?:d?sigma|eps)\b|\bdL\/d|\bsqrt\(/;

/** What is wrong with one string of the lab's text (empty when nothing). */
function texProblems(text: string): string[] {
  const problems: string[] = [];
  // A mistyped "\t", "\f" or "\b" in a source string is a control character, not a macro.
  if (/[\t\f\v\b\r]/.test(text)) problems.push("control character (a single backslash in a string?)");
  const parts = text.split("$");
  if (parts.length % 2 === 0) problems.push("unbalanced $");
  const known = new Set([...Object.keys(TEX_SYMBOLS), ...TEX_COMMANDS]);
  parts.forEach((part, k) => {
    if (k % 2 === 0) {
      // Outside formulas: no TeX and no formula written as text.
      const raw = RAW_FORMULA.exec(part);
      if (raw) problems.push(`formula outside $…$: "${raw[0]}" in "${part.slice(0, 80)}"`);
      return;
    }
    // The page reads a span as Pandoc does (src/report/math.ts): no space just inside either `$`,
    // and no digit right after the closing one, or the `$` stay text.
    if (/^\s|\s$/.test(part)) problems.push(`space inside the $ of $${part}$`);
    if (/^\d/.test(parts[k + 1] ?? "")) problems.push(`digit right after $${part}$`);
    for (const m of part.matchAll(/\\([a-zA-Z]+)/g))
      if (!known.has(m[1])) problems.push(`unknown macro \\${m[1]} in $${part}$`);
    // A word of 3+ letters in a formula is a macro that lost its backslash (write \operatorname{step}).
    const bare = part.replace(/\\(?:operatorname|text|mathrm)\{[^}]*\}|\\[a-zA-Z]+/g, "");
    const word = /[a-zA-Z]{3,}/.exec(bare);
    if (word) problems.push(`bare word "${word[0]}" in $${part}$`);
  });
  return problems;
}

const cellText = (cell: CellValue): string[] => (typeof cell === "string" ? [cell] : []);

/** Every piece of text a claim shows, with where it comes from. */
function strings(r: ClaimResult): [string, string][] {
  const out: [string, string][] = [
    ["evidence", r.evidence],
    ["correction", r.correction ?? ""],
  ];
  for (const f of r.figures ?? []) {
    out.push([`figure ${f.id} title`, f.title]);
    if (typeof f.caption === "string") out.push([`figure ${f.id} caption`, f.caption]);
  }
  for (const t of r.tables ?? []) {
    out.push(["table title", t.title ?? ""]);
    if (t.kind === "kv")
      for (const [k, v] of t.rows) out.push(...[k, ...cellText(v)].map((s) => ["kv", s] as [string, string]));
    else {
      for (const c of t.columns) out.push(["column", typeof c === "string" ? c : c.label]);
      for (const row of t.rows) for (const cell of row) for (const s of cellText(cell)) out.push(["cell", s]);
    }
  }
  return out.map(([where, s]) => [`${r.id} ${where}`, s]);
}

describe("the lab's text", () => {
  let results: ClaimResult[] = [];
  beforeAll(() => {
    const ctx = createLabContext({
      quick: true,
      corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8"),
    });
    results = runLab(experiments, ctx);
  }, 120_000);

  it("writes every formula in balanced $…$ spans, with the macros texToText knows, none as raw text", () => {
    const all: [string, string][] = [
      ...experiments.flatMap((e): [string, string][] => [
        [`${e.id} title`, e.title],
        [`${e.id} claim`, e.claim],
      ]),
      ...results.flatMap(strings),
    ];
    const problems = all.flatMap(([where, s]) => texProblems(s).map((p) => `${where}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("reads as plain text in the terminal: no TeX left after texToText", () => {
    for (const r of results) {
      const plain = texToText(`${r.evidence} ${r.correction ?? ""}`);
      expect(plain, r.id).not.toMatch(/\$|\\[a-zA-Z]/);
    }
  });
});
