import type { TokenizerKind } from "../data/tokenizer.js";
import { ConfigError } from "../errors.js";
import { checkKeys, type Dataset, lineError, parseJsonLines } from "./source.js";

// classify's file: JSONL, one sequence per line, all of one kind:
//   {"text": "...", "label": "..."}        characters or words (options.tokens)
//   {"x": [[...], ...], "label": ...}      numeric sequences, every step the same width
// A label is a string or a number (kept as its text); it may be left out for predict.

export interface ClassifyOptions {
  /** How text is split: "char" (default) or "word". */
  tokens?: TokenizerKind;
}

export interface ClassifyRecord {
  line: number;
  text?: string;
  x?: number[][];
  label: string | null;
}

export interface ClassifyData extends Dataset<ClassifyRecord> {
  kind: "text" | "numeric";
  tokens: TokenizerKind;
  /** Features per step of numeric sequences (0 for text). */
  features: number;
}

export function parseClassify(text: string, fileName: string, options: ClassifyOptions = {}): ClassifyData {
  const tokens = options.tokens ?? "char";
  if (tokens !== "char" && tokens !== "word") {
    throw new ConfigError(`classify: tokens must be "char" or "word", got ${JSON.stringify(tokens)}`);
  }
  const rows = parseJsonLines(text, fileName);
  const first = rows[0];
  const kind = "x" in first.value ? "numeric" : "text";
  let features = 0;
  const examples = rows.map(({ line, value }) => {
    checkKeys(fileName, line, value, ["text", "x", "label"]);
    const label = parseLabel(fileName, line, value.label);
    if (kind === "text") {
      if (typeof value.text !== "string" || value.text.length === 0) {
        const hint =
          "x" in value
            ? `line ${first.line} has "text": use one kind per file`
            : 'give "text": a non-empty string';
        throw lineError(fileName, line, `no text; ${hint}`);
      }
      return { line, text: value.text, label };
    }
    const x = parseSteps(fileName, line, value.x, features, first.line);
    features = x[0].length;
    return { line, x, label };
  });
  return { fileName, kind, tokens, features, examples };
}

function parseLabel(fileName: string, line: number, label: unknown): string | null {
  if (label === undefined || label === null) return null;
  if (typeof label === "string" && label !== "") return label;
  if (typeof label === "number" && Number.isFinite(label)) return String(label);
  throw lineError(
    fileName,
    line,
    `label must be a non-empty string or a number, got ${JSON.stringify(label)}`,
  );
}

/** x: a non-empty list of steps, each a list of `width` finite numbers (width 0: set by the first
 *  line). Ragged rows name the step and the width expected. */
function parseSteps(
  fileName: string,
  line: number,
  x: unknown,
  width: number,
  firstLine: number,
): number[][] {
  if (!Array.isArray(x) || x.length === 0) {
    throw lineError(
      fileName,
      line,
      'x must be a non-empty list of steps like [[0.1, 2], [0.3, 1]]; use one kind ("x" or "text") per file',
    );
  }
  const expected = width > 0 ? width : Array.isArray(x[0]) ? x[0].length : 0;
  x.forEach((step: unknown, t: number) => {
    if (!Array.isArray(step) || step.length === 0) {
      throw lineError(
        fileName,
        line,
        `x step ${t + 1} must be a non-empty list of numbers, got ${JSON.stringify(step)}`,
      );
    }
    if (step.length !== expected) {
      const where = width > 0 ? `line ${firstLine}'s steps have ${expected}` : `step 1 has ${expected}`;
      throw lineError(
        fileName,
        line,
        `x step ${t + 1} has ${step.length} values but ${where}; give every step the same number of features`,
      );
    }
    const bad = step.findIndex((v: unknown) => typeof v !== "number" || !Number.isFinite(v));
    if (bad >= 0) {
      throw lineError(
        fileName,
        line,
        `x step ${t + 1} value ${bad + 1} is ${JSON.stringify(step[bad])}, not a finite number`,
      );
    }
  });
  return x as number[][];
}
