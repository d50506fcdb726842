// Readers for the values of a sweep spec: each takes the parsed YAML value and the key's path
// (`grid.lr`, `budget.trials`) and returns the typed value or throws one line saying how to fix it.

import { MAX_SEED } from "../../src/random.js";
import type { Distribution, OptionValue } from "./types.js";

/** Throws the spec's one-line error (the file's name in front). */
export type Fail = (message: string) => never;

export type Mapping = Record<string, unknown>;

export function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function readMapping(value: unknown, path: string, fail: Fail): Mapping {
  if (!isMapping(value))
    fail(`${path} must be a mapping (${path}: { key: value, ... }), not ${describe(value)}`);
  return value;
}

/** An option's value: a string, a finite number or true/false. */
export function readScalar(value: unknown, path: string, fail: Fail): OptionValue {
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (value === null || value === undefined) fail(`${path} has no value: give one, or leave the key out`);
  return fail(`${path} must be a number, a string or true/false, not ${describe(value)}`);
}

export function readList(value: unknown, path: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) fail(`${path} must be a list ([a, b, ...]), not ${describe(value)}`);
  if (value.length === 0) fail(`${path} is empty: give at least one value`);
  return value;
}

export function readInteger(
  value: unknown,
  path: string,
  fail: Fail,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    fail(`${path} must be an integer ${range}, not ${describe(value)}`);
  }
  return value;
}

export function readPositive(value: unknown, path: string, fail: Fail): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    fail(`${path} must be a number > 0, not ${describe(value)}`);
  }
  return value;
}

export function readString(value: unknown, path: string, fail: Fail): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string" || value.trim() === "")
    fail(`${path} must be a non-empty string, not ${describe(value)}`);
  return value;
}

/** `seeds: [1, 2]` (or one integer). */
export function readSeeds(value: unknown, fail: Fail): number[] {
  const list = Array.isArray(value) ? readList(value, "seeds", fail) : [value];
  const seeds = list.map((seed, i) =>
    readInteger(seed, Array.isArray(value) ? `seeds[${i}]` : "seeds", fail, 0, MAX_SEED),
  );
  const repeated = seeds.find((seed, i) => seeds.indexOf(seed) !== i);
  if (repeated !== undefined) fail(`seeds has ${repeated} twice: give each seed once`);
  return seeds;
}

/** A grid's values: a non-empty list of distinct scalars. */
export function readGridValues(value: unknown, path: string, fail: Fail): OptionValue[] {
  const values = readList(value, path, fail).map((v, i) => readScalar(v, `${path}[${i}]`, fail));
  const repeated = values.find((v, i) => values.indexOf(v) !== i);
  if (repeated !== undefined) fail(`${path} has ${String(repeated)} twice: give each value once`);
  return values;
}

export const DISTRIBUTION_KINDS = ["uniform", "log-uniform", "int", "choice"] as const;

/** `{ log-uniform: [1e-4, 1e-1] }`, `{ uniform: [0, 0.5] }`, `{ int: [8, 64] }` (both ends
 *  included), `{ choice: [rnn, gru] }`. */
export function readDistribution(value: unknown, path: string, fail: Fail): Distribution {
  const kinds = DISTRIBUTION_KINDS.join(", ");
  const mapping = isMapping(value) ? Object.entries(value) : [];
  if (mapping.length !== 1)
    fail(`${path} must be one distribution ({ ${DISTRIBUTION_KINDS[1]}: [low, high] }; kinds: ${kinds})`);
  const [kind, args] = mapping[0];
  const where = `${path}.${kind}`;
  if (kind === "choice") return { kind, values: readGridValues(args, where, fail) };
  if (kind !== "uniform" && kind !== "log-uniform" && kind !== "int") {
    return fail(`${path}: unknown distribution '${kind}' (kinds: ${kinds})`);
  }
  const ends = readList(args, where, fail);
  if (ends.length !== 2) fail(`${where} must be [low, high], not ${ends.length} values`);
  const [low, high] = ends.map((end) => {
    if (typeof end !== "number" || !Number.isFinite(end))
      fail(`${where} must be two numbers [low, high], not ${describe(end)}`);
    if (kind === "int" && !Number.isInteger(end))
      fail(`${where} must be two integers [low, high], not ${end}`);
    return end;
  });
  if (low >= high) fail(`${where} is [${low}, ${high}]: low must be below high`);
  if (kind === "log-uniform" && low <= 0) fail(`${where} is [${low}, ${high}]: log-uniform needs low > 0`);
  return { kind, low, high };
}

/** A value as a one-line message names it. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `'${value}'`;
  return String(value);
}
