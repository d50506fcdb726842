import type { Command } from "commander";
import { ConfigError } from "../../src/errors.js";
import { MAX_SEED } from "../../src/random.js";
import { MAX_THREADS } from "../../src/run/text-run.js";

// Upper bounds on the sizes the command line reads. Each is far above what a run on a CPU or in a
// browser can use (so no sane run is refused), and each stops a typo (--layers 4294967296, --hidden
// 100000000, --threads 1000) at once with one line, before anything is allocated, rather than after
// minutes of swapping or with "Invalid typed array length". A memory estimate of the whole run is
// another matter; these are the plain bounds, listed in each flag's --help and in the README.

export { MAX_SEED };

/** [min, max] of each bounded integer flag, by the flag's name. */
export const INTEGER_LIMITS: Readonly<Record<string, readonly [number, number]>> = {
  "--seed": [0, MAX_SEED],
  "--hidden": [1, 4096],
  "--layers": [1, 64],
  "--embedding": [1, 4096],
  "--skip": [0, 4096],
  "--proj-size": [0, 4096],
  "--max-vocab": [3, 1_000_000],
  "--oracle": [1, 16],
  "--seq-len": [1, 100_000],
  "--batch": [1, 100_000],
  "--threads": [1, MAX_THREADS],
  "--parallel": [1, 1024],
  "--concurrency": [1, 256],
  "--prefix": [0, 100_000],
  "--steps": [1, 1_000_000_000],
  "--eval-every": [1, 1_000_000_000],
  "--val-batches": [1, 100_000],
  "--sample-length": [0, 1_000_000],
  // rnnlab sample and rnnlab eval
  "--length": [1, 1_000_000],
  "--num": [1, 1024],
  "--beam": [1, 1024],
  "--top-k": [0, 1_000_000],
  "--count": [1, 100_000],
};

/** An integer flag's value within [min, max]: its INTEGER_LIMITS entry, unless `min` is given
 *  (a command whose flag starts lower or higher, e.g. eval's --prefix >= 1). The message gives the
 *  range: "--layers must be an integer from 1 to 64, got '4294967296'". */
export function boundedInteger(value: string, flag: string, min?: number): number {
  const limits = INTEGER_LIMITS[flag];
  if (limits === undefined) throw new Error(`no limits for ${flag}`); // a programming error
  const low = min ?? limits[0];
  const high = limits[1];
  const n = decimalInteger(value);
  if (!Number.isInteger(n) || n < low || n > high) {
    throw new ConfigError(`${flag} must be an integer from ${low} to ${high}, got '${value}'`);
  }
  return n;
}

/** The value of a string of decimal digits, else NaN: Number() alone would also read "0x10", "1e3",
 *  "+5", " 5" and "5.0" as integers. */
export function decimalInteger(value: string): number {
  return /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
}

/** Appends each bounded option's range to its --help line, e.g. "hidden units per layer (1 to 4096)";
 *  `mins` gives this command's lower bound where it differs from the table's (as for boundedInteger). */
export function describeLimits(command: Command, mins: Record<string, number> = {}): Command {
  for (const option of command.options) {
    const limits = option.long === undefined ? undefined : INTEGER_LIMITS[option.long];
    if (limits === undefined || option.long === undefined) continue;
    option.description = `${option.description} (${mins[option.long] ?? limits[0]} to ${limits[1]})`;
  }
  return command;
}
