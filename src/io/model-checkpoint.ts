import { FormatError } from "../errors.js";
import { SequenceModel } from "../model/sequence-model.js";
import { Rng } from "../random.js";
import type { DType } from "../tensor.js";
import { createOptimizer, type Optimizer, type OptimizerConfig } from "../train/optimizers.js";
import type { Checkpoint } from "./checkpoint.js";

/** Everything a training run needs to continue exactly where it stopped. */
export interface TrainingState {
  model: SequenceModel;
  optimizer: Optimizer | null;
  rng: Rng;
  step: number;
  extra?: Record<string, unknown>;
}

/** Snapshot of a model (and its optimizer and generator) as a checkpoint; copies every buffer. */
export function toCheckpoint(state: TrainingState): Checkpoint {
  const { model, optimizer } = state;
  const ckpt: Checkpoint = {
    config: model.config,
    params: model.params.toTensors(),
    step: state.step,
    rngState: state.rng.state(),
  };
  if (optimizer) {
    const snapshot = optimizer.state();
    ckpt.optimizer = { config: { ...optimizer.config }, step: snapshot.step, buffers: snapshot.buffers };
  }
  if (state.extra) ckpt.extra = state.extra;
  return ckpt;
}

/** Rebuilds the model, optimizer and generator of a checkpoint (decodeCheckpoint has validated it);
 *  `seed` is the dropout masks' (a run's seed, so a resumed run draws the masks it would have). */
export function fromCheckpoint(
  ckpt: Checkpoint,
  options: { dtype?: DType; seed?: number } = {},
): TrainingState {
  const dtype = options.dtype ?? ckpt.config.dtype;
  const model = new SequenceModel({ ...ckpt.config, dtype }, { seed: options.seed });
  for (const [name, tensor] of Object.entries(ckpt.params)) model.params.set(name, tensor.data);
  let optimizer: Optimizer | null = null;
  if (ckpt.optimizer) {
    try {
      optimizer = createOptimizer(ckpt.optimizer.config as unknown as OptimizerConfig, model);
      const name = optimizer.config.name;
      optimizer.loadState({ name, step: ckpt.optimizer.step, buffers: ckpt.optimizer.buffers });
    } catch (error) {
      throw new FormatError(`the checkpoint's optimizer state is invalid: ${(error as Error).message}`);
    }
  }
  return { model, optimizer, rng: Rng.fromState(ckpt.rngState), step: ckpt.step, extra: ckpt.extra };
}
