import { performance } from "node:perf_hooks";
import { expect } from "vitest";
import { RnnlabError } from "../../src/errors.js";

// Shared by the fuzz tests (test/fuzz-*.test.ts). `npm test` runs each file's default number of
// cases; `npm run fuzz` sets RNNLAB_FUZZ_RUNS (cases per file, split among its properties by
// weight) and RNNLAB_FUZZ_SEED reruns one seed fast-check printed.

/** The cases per file: RNNLAB_FUZZ_RUNS, else `fallback` (npm test's). */
export function fuzzRuns(fallback: number): number {
  const given = Number(process.env.RNNLAB_FUZZ_RUNS);
  return Number.isInteger(given) && given > 0 ? given : fallback;
}

/** fast-check's options for a property given `share` of the file's runs: a fixed seed under npm
 *  test (a failure reproduces as is), a random one under npm run fuzz unless RNNLAB_FUZZ_SEED is
 *  given (as test/helpers/fuzz-cases.ts does for the other fuzz files). */
export function fuzzOptions(total: number, share: number): { numRuns: number; seed?: number } {
  return seededRuns(Math.max(1, Math.round(total * share)), 14_007);
}

/** { numRuns, seed }: RNNLAB_FUZZ_SEED when given, else `fixedSeed` under npm test (no
 *  RNNLAB_FUZZ_RUNS) and none (fast-check draws one) under npm run fuzz. */
export function seededRuns(numRuns: number, fixedSeed: number): { numRuns: number; seed?: number } {
  const seed = process.env.RNNLAB_FUZZ_SEED;
  if (seed !== undefined) return { numRuns, seed: Number(seed) };
  return process.env.RNNLAB_FUZZ_RUNS === undefined ? { numRuns, seed: fixedSeed } : { numRuns };
}

/** The vitest timeout for a property of `runs` cases: generous, only to stop a hang. */
export const fuzzTimeout = (runs: number) => 60_000 + runs * 5;

/** The most one case may take: a bound on hangs, not a speed test (a case takes about a ms). */
export const CASE_LIMIT_MS = 5_000;

export interface FuzzStats {
  cases: number;
  accepted: number;
  refused: number;
  slowestMs: number;
  slowestInput: string;
  /** The heap in use after the slowest case, and the most seen after any case, in MiB. */
  slowestHeapMb: number;
  peakHeapMb: number;
}

export function newStats(): FuzzStats {
  return {
    cases: 0,
    accepted: 0,
    refused: 0,
    slowestMs: 0,
    slowestInput: "",
    slowestHeapMb: 0,
    peakHeapMb: 0,
  };
}

/** Runs `load` on one input: it must return (accepted) or throw the library's own error, with a
 *  one-line message, within CASE_LIMIT_MS. Returns the result, or null when refused. */
export function loadOrRefuse<T>(stats: FuzzStats, describe: () => string, load: () => T): T | null {
  const start = performance.now();
  let result: T | null = null;
  try {
    result = load();
    stats.accepted++;
  } catch (error) {
    if (!(error instanceof RnnlabError)) {
      throw new Error(`foreign error ${(error as Error).name}: ${(error as Error).message} on ${describe()}`);
    }
    expect(error.message, describe()).not.toContain("\n");
    stats.refused++;
  }
  const ms = performance.now() - start;
  stats.cases++;
  const heapMb =
    stats.cases % 100 === 0 || ms > stats.slowestMs ? process.memoryUsage().heapUsed / 2 ** 20 : 0;
  stats.peakHeapMb = Math.max(stats.peakHeapMb, heapMb);
  if (ms > stats.slowestMs) {
    stats.slowestMs = ms;
    stats.slowestInput = describe();
    stats.slowestHeapMb = heapMb;
  }
  expect(ms, `${describe()} took ${ms} ms`).toBeLessThan(CASE_LIMIT_MS);
  return result;
}

/** One line of figures for the report: cases, accepted, refused, the slowest case and the heap. */
export function statsLine(name: string, stats: FuzzStats): string {
  const slowest = `slowest ${stats.slowestMs.toFixed(1)} ms, heap ${stats.slowestHeapMb.toFixed(0)} MiB after it`;
  return `${name}: ${stats.cases} cases, ${stats.accepted} accepted, ${stats.refused} refused; ${slowest} (${stats.slowestInput.slice(0, 80)}); peak heap ${stats.peakHeapMb.toFixed(0)} MiB`;
}

/** Flips bit `bit` of a copy of `bytes`. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
}
