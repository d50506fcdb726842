import type { ModelConfig } from "../model/config.js";
import { estimateMemory, type MemoryEstimate } from "../model/memory.js";
import type { OptimizerConfig } from "./optim/types.js";

/** Buffers as long as the parameters that the optimizer keeps (optim/*.ts): adam and adamw 2
 *  (3 with amsgrad), sgd 1 with momentum (else 0), rmsprop 1 (+1 with momentum, +1 centered),
 *  adagrad 1. */
export function optimizerStateCopies(config: OptimizerConfig): number {
  switch (config.name) {
    case "sgd":
      return (config.momentum ?? 0) !== 0 ? 1 : 0;
    case "adam":
    case "adamw":
      return config.amsgrad ? 3 : 2;
    case "rmsprop":
      return 1 + ((config.momentum ?? 0) > 0 ? 1 : 0) + (config.centered ? 1 : 0);
    case "adagrad":
      return 1;
  }
}

/** The estimate of next-token training (Trainer): steps of (seqLen, batch) on `threads` threads,
 *  validation batches of the same shape, free-running samples of one row. */
export function trainingMemory(
  config: ModelConfig,
  run: { seqLen: number; batch: number; optimizer: OptimizerConfig },
  threads: number,
): MemoryEstimate {
  return estimateMemory(config, {
    kind: "training",
    T: run.seqLen,
    B: run.batch,
    threads,
    optimizerCopies: optimizerStateCopies(run.optimizer),
  });
}
