import { constrainedMemory } from "node:process";
import { totalmem } from "node:os";
import type { Command } from "commander";
import { ConfigError } from "../src/errors.js";
import type { ModelConfig } from "../src/model/config.js";
import { estimateMemory } from "../src/model/memory.js";
import { formatBytes, parseByteSize } from "../src/model/byte-size.js";
import {
  type BudgetWords,
  type EstimateAt,
  type MemoryBudget,
  overBudget,
  type SizeKnob,
} from "../src/model/memory-budget.js";
import { UserError } from "./errors.js";

// The memory a command may use (--max-memory, by default half of this machine's), checked against
// the estimate of what it will allocate (src/model/memory.ts) before the model is built.

export const MAX_MEMORY_HELP =
  "memory this command may use, e.g. 512M, 2G, 1.5GiB (default: half of this machine's memory); a run estimated above it is refused before anything is allocated";

export function addMaxMemoryOption(command: Command): Command {
  return command.option("--max-memory <size>", MAX_MEMORY_HELP);
}

/** This machine's memory: the smaller of the total and a container's limit, where there is one. */
export function machineMemory(): number {
  const limit = constrainedMemory?.() ?? 0;
  return limit > 0 ? Math.min(totalmem(), limit) : totalmem();
}

/** --max-memory's value (one-line UserError when it is not a size), or half of machineMemory(). */
export function memoryBudget(maxMemory: string | undefined): MemoryBudget {
  if (maxMemory === undefined) {
    const machine = machineMemory();
    return { bytes: Math.floor(machine / 2), source: `half of this machine's ${formatBytes(machine)}` };
  }
  try {
    return { bytes: parseByteSize(maxMemory, "--max-memory"), source: `--max-memory ${maxMemory}` };
  } catch (error) {
    if (error instanceof ConfigError) throw new UserError(error.message);
    throw error;
  }
}

/** Refuses forward-only use of `config` over the budget: passes of T × B (each a function of the
 *  knobs' values; the larger estimate counts), `generated` tokens kept per row of the first. */
export function refuseInferenceOverBudget(
  config: ModelConfig,
  passes: readonly ((values: readonly number[]) => { T: number; B: number; generated?: number })[],
  knobs: readonly SizeKnob[],
  budget: MemoryBudget,
): void {
  const at = (values: readonly number[]) =>
    passes
      .map((pass) => estimateMemory(config, { kind: "inference", ...pass(values) }))
      .reduce((a, b) => (b.total > a.total ? b : a));
  refuseOverBudget(at, knobs, budget);
}

/** Throws the one-line UserError (exit 2) of overBudget when the estimate is over the budget. */
export function refuseOverBudget(
  estimateAt: EstimateAt,
  knobs: readonly SizeKnob[],
  budget: MemoryBudget,
  words: BudgetWords = {},
): void {
  const line = overBudget(estimateAt, knobs, budget, "raise --max-memory", words);
  if (line !== null) throw new UserError(line);
}
