import fc from "fast-check";
import { expect } from "vitest";
import { RnnlabError } from "../../src/errors.js";
import { UserError } from "../../cli/errors.js";
import { seededRuns } from "./fuzz.js";

// Shared by test/fuzz-fixtures.test.ts, fuzz-config.test.ts and fuzz-cli-options.test.ts: how many
// cases each property gets, the seed, and the check every refusal must pass. `npm test` runs each
// file's default total (20,000 or more per subject); RNNLAB_FUZZ_RUNS (npm run fuzz) sets each
// file's total instead, shared among its properties in the same proportions.

const scaled = process.env.RNNLAB_FUZZ_RUNS === undefined ? null : Number(process.env.RNNLAB_FUZZ_RUNS);

/** Cases for one property: `share` of its file's total, `total` under npm test. */
export function casesFor(total: number, share: number): number {
  return Math.max(1, Math.round((scaled ?? total) * share));
}

/** fast-check's parameters: a fixed seed under npm test (a failure is reproducible as is), a random
 *  one under npm run fuzz unless RNNLAB_FUZZ_SEED is given; fast-check prints it on a failure. */
export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  return seededRuns(numRuns, 20141);
}

/** The slowest case of a file: its time and the heap after it, for the figures printed at its end. */
export class SlowestCase {
  private worst = { ms: 0, label: "", heapMb: 0 };
  private count = 0;

  /** Runs `check` and keeps its time when it is the slowest yet. */
  time<T>(label: string, check: () => T): T {
    const start = performance.now();
    try {
      return check();
    } finally {
      const ms = performance.now() - start;
      this.count++;
      if (ms > this.worst.ms) {
        this.worst = { ms, label, heapMb: process.memoryUsage().heapUsed / 2 ** 20 };
      }
    }
  }

  summary(file: string): string {
    const { ms, label, heapMb } = this.worst;
    return `${file}: ${this.count} cases; slowest ${ms.toFixed(1)} ms (${label}), heap ${heapMb.toFixed(0)} MB after it`;
  }
}

/** A refusal must be the library's (or the command line's) own error, in one line: never a
 *  TypeError, RangeError or SyntaxError from inside. */
export function expectOwnError(error: unknown, where: string): void {
  if (!(error instanceof RnnlabError || error instanceof UserError)) {
    throw new Error(`${where}: a foreign error escaped: ${(error as Error)?.stack ?? String(error)}`);
  }
  expect(error.message, where).not.toContain("\n");
  expect(error.message.length, where).toBeGreaterThan(0);
}

/** Replaces, deletes or adds the value at one path of a JSON tree (a deep copy is changed). */
export type Mutation =
  | { path: (string | number)[]; value: unknown }
  | { path: (string | number)[]; delete: true };

/** Every path of a JSON tree (objects' keys and arrays' indices), its root first; arrays longer than
 *  `maxItems` contribute their first `maxItems` entries (a tensor's values are alike). */
export function pathsOf(
  tree: unknown,
  maxItems = 3,
  prefix: (string | number)[] = [],
): (string | number)[][] {
  const paths = [prefix];
  if (Array.isArray(tree)) {
    for (const [i, item] of tree.slice(0, maxItems).entries())
      paths.push(...pathsOf(item, maxItems, [...prefix, i]));
  } else if (typeof tree === "object" && tree !== null) {
    for (const [key, value] of Object.entries(tree))
      paths.push(...pathsOf(value, maxItems, [...prefix, key]));
  }
  return paths;
}

/** `tree` with `mutation` applied: the objects and arrays on its path are copied, the rest is shared
 *  (a fixture's tensors are not copied for each case), so `tree` itself is left as it was. */
export function mutate(tree: unknown, mutation: Mutation): unknown {
  const [key, ...rest] = mutation.path;
  if (key === undefined) return "delete" in mutation ? undefined : mutation.value;
  const node = tree as Record<string | number, unknown>;
  const copy = (Array.isArray(node) ? [...node] : { ...node }) as Record<string | number, unknown>;
  if (rest.length > 0) {
    Object.defineProperty(copy, key, ownValue(mutate(node[key], { ...mutation, path: rest })));
  } else if ("delete" in mutation) {
    if (Array.isArray(copy)) copy.splice(Number(key), 1);
    else delete copy[key];
  } else {
    // defineProperty, so that a key "__proto__" is an own key, as JSON.parse makes it.
    Object.defineProperty(copy, key, ownValue(mutation.value));
  }
  return copy;
}

const ownValue = (value: unknown) => ({ value, enumerable: true, writable: true, configurable: true });

/** Values that probe the edges of a number, a string, a size and a type. */
export const edgeValues: unknown[] = [
  0,
  -1,
  1,
  2,
  1.5,
  -0.5,
  1e-300,
  2 ** 31,
  2 ** 32,
  2 ** 32 - 1,
  2 ** 53,
  1e8,
  1e9,
  1e308,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  "",
  "1",
  "inf",
  "__proto__",
  null,
  true,
  false,
  [],
  [[]],
  [1, 2],
  {},
  JSON.parse('{"__proto__": 1, "constructor": 1}'),
];

/** A value to put somewhere: an edge value, or any JSON value. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...edgeValues) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
);

/** A mutation of `tree`: one of its paths replaced, deleted, or given an extra key. */
export function mutationOf(tree: unknown, maxItems = 3): fc.Arbitrary<Mutation> {
  const paths = pathsOf(tree, maxItems).filter((path) => path.length > 0);
  const objectPaths = pathsOf(tree, maxItems).filter((path) => {
    const node = path.reduce<unknown>((n, key) => (n as Record<string | number, unknown>)[key], tree);
    return typeof node === "object" && node !== null && !Array.isArray(node);
  });
  const extraKey = fc.oneof(fc.constantFrom("__proto__", "constructor", "extra", "toString"), fc.string());
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ path: fc.constantFrom(...paths), value: anyValue }) },
    {
      weight: 2,
      arbitrary: fc.record({ path: fc.constantFrom(...paths), delete: fc.constant(true as const) }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...objectPaths), extraKey, anyValue)
        .map(([path, key, value]) => ({ path: [...path, key], value })),
    },
  );
}
