import { ConfigError } from "../errors.js";
import { formatBytes } from "../model/byte-size.js";
import type { ModelConfig } from "../model/config.js";
import { BROWSER_MEMORY_BUDGET, overBudget } from "../model/memory-budget.js";
import { runModelConfig } from "../run/text-run.js";
import type { RunConfig } from "../train/run-config.js";
import { trainingMemory } from "../train/training-memory.js";

/** A ConfigError (one line, as the CLI's) when a text run's estimate is over the browser's fixed
 *  budget (BROWSER_MEMORY_BUDGET), naming the largest batch (else seqLen) that fits; checked before
 *  the model is built. */
export function refuseOverBrowserBudget(spec: RunConfig, vocabSize: number, threads: number): void {
  refuseModelOverBrowserBudget(runModelConfig(spec, vocabSize), spec, threads);
}

/** The same for any run of `config` on steps of spec.seqLen × spec.batch (a synthetic task's). */
export function refuseModelOverBrowserBudget(config: ModelConfig, spec: RunConfig, threads: number): void {
  const at = ([batch, seqLen]: readonly number[]) =>
    trainingMemory(config, { seqLen, batch, optimizer: spec.optimizer }, Math.min(threads, batch));
  const knobs = [
    { flag: "batch", value: spec.batch },
    { flag: "seqLen", value: spec.seqLen },
  ];
  const budget = {
    bytes: BROWSER_MEMORY_BUDGET,
    source: `a browser's fixed ${formatBytes(BROWSER_MEMORY_BUDGET)}`,
  };
  const line = overBudget(at, knobs, budget, "train a smaller model (the browser's budget is fixed)");
  if (line !== null) throw new ConfigError(line);
}
