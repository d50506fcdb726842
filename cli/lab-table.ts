import { texToText } from "../lab/format.js";
import type { ClaimResult, ExperimentInfo } from "../lab/types.js";

/** The terminal's verdict table: id, verdict and title per claim; under a claim that does not hold
 *  as stated, the first sentence of its correction (or evidence), wrapped at `width`, never cut.
 *  Formulas ($…$ TeX) are written as plain Unicode text. */
export function verdictTable(
  results: readonly ClaimResult[],
  experiments: readonly ExperimentInfo[],
  width = 100,
): string {
  const titles = new Map(experiments.map((e) => [e.id, e.title]));
  const idWidth = Math.max(...results.map((r) => r.id.length));
  const indent = " ".repeat(idWidth + 2);
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `${r.id.padEnd(idWidth)}  ${r.verdict.padEnd(12)}  ${texToText(titles.get(r.id) ?? "")}`.trimEnd(),
    );
    if (r.verdict === "holds") continue;
    for (const line of wrap(firstSentence(texToText(r.correction ?? r.evidence)), width - indent.length)) {
      lines.push(`${indent}${line}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Up to the first ". " outside brackets, so "(e.g. T = 3)" or "σ(10 h_T). " ends where it should. */
export function firstSentence(text: string): string {
  let depth = 0;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text[i];
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth = Math.max(0, depth - 1);
    else if (
      c === "." &&
      depth === 0 &&
      /\s/.test(text[i + 1]) &&
      !/\be\.g$|\bi\.e$|\bvs$/.test(text.slice(0, i))
    )
      return text.slice(0, i + 1);
  }
  return text;
}

/** Greedy word wrap; a word longer than the width gets a line of its own. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
