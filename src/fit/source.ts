import { ConfigError } from "../errors.js";
import type { Rng } from "../random.js";

// What every task's data shares: examples that remember their line, errors that name the file and
// the line, JSONL reading, and the random split for classify and tag.

/** Parsed examples and the file they came from (for messages). */
export interface Dataset<Example extends { line: number }> {
  fileName: string;
  examples: Example[];
}

/** A ConfigError "FILE line N: what; fix". */
export function lineError(fileName: string, line: number, message: string): ConfigError {
  return new ConfigError(`${fileName} line ${line}: ${message}`);
}

/** Each non-blank line of JSONL text as a JSON object, with its 1-based line number. */
export function parseJsonLines(
  text: string,
  fileName: string,
): { line: number; value: Record<string, unknown> }[] {
  const out: { line: number; value: Record<string, unknown> }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const source = lines[i].trim();
    if (source === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw lineError(
        fileName,
        i + 1,
        `not valid JSON (${(error as Error).message}); write one JSON object per line`,
      );
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw lineError(fileName, i + 1, "expected a JSON object per line, like {...}");
    }
    out.push({ line: i + 1, value: value as Record<string, unknown> });
  }
  if (out.length === 0) throw new ConfigError(`${fileName}: no examples; write one JSON object per line`);
  return out;
}

/** Keys of `value` outside `allowed` → a line error naming the first. */
export function checkKeys(
  fileName: string,
  line: number,
  value: Record<string, unknown>,
  allowed: readonly string[],
): void {
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw lineError(
      fileName,
      line,
      `unknown key "${unknown}"; the keys are ${allowed.map((k) => `"${k}"`).join(", ")}`,
    );
  }
}

/** A random `fraction` of the examples as validation (at least one, and at least one left to
 *  train on), the rest for training, each in file order. */
export function randomSplit<Example extends { line: number }>(
  dataset: Dataset<Example>,
  fraction: number,
  rng: Rng,
): { train: Dataset<Example>; validation: Dataset<Example> } {
  const n = dataset.examples.length;
  if (!(fraction > 0 && fraction < 1)) {
    throw new ConfigError(`the validation fraction must be in (0, 1), e.g. 0.1, got ${fraction}`);
  }
  if (n < 2) throw new ConfigError(`${dataset.fileName}: ${n} example; a split needs at least 2`);
  const count = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const held = new Set(order.slice(0, count));
  const pick = (inValidation: boolean) => dataset.examples.filter((_, i) => held.has(i) === inValidation);
  return {
    train: { fileName: dataset.fileName, examples: pick(false) },
    validation: { fileName: dataset.fileName, examples: pick(true) },
  };
}

/** The most frequent of the values (ties: the first to reach the top count in `order`). */
export function mostFrequent<T>(counts: Map<T, number>): T {
  let best: T | undefined;
  let top = -1;
  for (const [value, count] of counts) {
    if (count > top) {
      best = value;
      top = count;
    }
  }
  return best as T;
}
