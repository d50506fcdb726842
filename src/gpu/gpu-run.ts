import type { ModelConfig } from "../model/config.js";
import type { FeedMode } from "../train/feeding.js";
import type { OptimizerName } from "../train/optim/types.js";
import { gpuUnsupported } from "./gpu-model.js";

/** Why GpuTrainer cannot train this run (one line), or null when it can: the models of
 *  gpuUnsupported, teacher forcing (any optimizer, any clipping). */
export function gpuRunUnsupported(
  config: ModelConfig,
  run: { feed: FeedMode; optimizer: OptimizerName },
): string | null {
  const model = gpuUnsupported(config);
  if (model) return model;
  if (run.feed.kind !== "teacher-forcing")
    return `the WebGPU backend trains with teacher forcing only, not ${run.feed.kind}`;
  return null;
}
