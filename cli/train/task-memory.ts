import type { AnyFitTask } from "../../src/fit/checkpoint.js";
import { EVAL_CHUNK } from "../../src/fit/learner.js";
import { estimateTaskMemory, type TaskShape } from "../../src/fit/task-memory.js";
import type { MemoryBudget } from "../../src/model/memory-budget.js";
import type { OptimizerConfig } from "../../src/train/optimizers.js";
import { optimizerStateCopies } from "../../src/train/training-memory.js";
import { refuseOverBudget } from "../memory-budget.js";

// A task run's memory (src/fit/task-memory.ts) against the budget, from the learner's state and
// the data, before the learner is built: train --task names the --batch that fits; eval and
// predict, which have no size option, say which passes are too large.

/** Refuses (UserError, exit 2) fit's training of a learner of `state` on `train` in batches of
 *  `batch`, evaluated on `validation`, when its estimate is over the budget. */
export function refuseTaskTrainingOverBudget(
  task: AnyFitTask,
  state: unknown,
  data: { train: unknown; validation: unknown },
  run: { batch: number; optimizer: OptimizerConfig },
  budget: MemoryBudget,
): void {
  const train: TaskShape = task.memoryShape(state, data.train);
  const validation: TaskShape = task.memoryShape(state, data.validation);
  const optimizerCopies = optimizerStateCopies(run.optimizer);
  const at = ([batch]: readonly number[]) =>
    estimateTaskMemory({ kind: "training", batch, optimizerCopies, train, validation });
  const longest = Math.max(train.longest, validation.longest);
  const evalRows = Math.min(EVAL_CHUNK, validation.examples);
  refuseOverBudget(at, [{ flag: "--batch", value: run.batch }], budget, {
    shape: `--batch ${run.batch} × ${longest} steps (the longest example; evaluated ${evalRows} at a time)`,
    noFit: `even --batch 1 does not fit (the model, and its evaluation of ${evalRows} examples of up to ${longest} steps at a time): use a smaller --hidden or fewer --layers, or shorter examples`,
  });
}

/** Refuses evaluation or predictions of a learner of `state` on `data` (passes of up to
 *  EVAL_CHUNK examples; `passRows` where the command runs fewer) over the budget. */
export function refuseTaskInferenceOverBudget(
  task: AnyFitTask,
  state: unknown,
  data: unknown,
  budget: MemoryBudget,
  passRows?: number,
): void {
  const given: TaskShape = task.memoryShape(state, data);
  const shape = passRows === undefined ? given : { ...given, examples: Math.min(passRows, given.examples) };
  const rows = Math.min(EVAL_CHUNK, shape.examples);
  const at = () => estimateTaskMemory({ kind: "inference", data: shape });
  // A padded task's passes shrink with its examples; a forecast's with its series, down to one window.
  const noFit = shape.padded
    ? "give shorter or fewer examples"
    : rows > 1
      ? "give a shorter series"
      : "one window is the smallest pass of this model";
  refuseOverBudget(at, [], budget, {
    shape: `${rows} example${rows === 1 ? "" : "s"} × ${shape.longest} steps (${shape.padded ? "the longest" : "the window"})`,
    noFit,
  });
}
