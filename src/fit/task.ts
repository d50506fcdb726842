import { ConfigError } from "../errors.js";
import type { ModelOptions } from "../model/config.js";
import type { Rng } from "../random.js";
import type { Learner } from "./learner.js";
import type { Metrics } from "./metrics.js";
import type { TaskShape } from "./task-memory.js";

/** The model a task builds, less what the task decides (input, readout, loss);
 *  embeddingSize applies to token inputs (default 16). */
export type TaskModelOptions = Omit<ModelOptions, "input" | "outputSize" | "loss"> & {
  embeddingSize?: number;
};

/** A task's scores on labelled data, beside its baselines' (each with the same metrics where they
 *  apply), and for classify the confusion matrix counts[actual][predicted] over `labels`. */
export interface TaskEvaluation {
  metrics: Metrics;
  baselines: Record<string, Metrics>;
  confusion?: { labels: string[]; counts: number[][] };
}

/** Every task has this shape, so a caller (the CLI) treats them alike:
 *  parse → split → createLearner → examples → fit → evaluate / predict, and toJSON / fromJSON to
 *  store the learner's non-parameter state (vocabulary, labels, normalisation, config) beside its
 *  parameters. createLearner is fromJSON(initialState(train, model)); between the two, a caller
 *  can estimate the learner's memory (memoryShape, task-memory.ts) before anything is allocated. */
export interface FitTask<Options, Data, Example, L extends Learner<Example>, State, Prediction> {
  readonly name: string;
  readonly description: string;
  /** The option names parse takes (any other is an error naming the task). */
  readonly optionNames: readonly string[];
  /** File text → data; a ConfigError naming the file, the line and the fix for bad input. */
  parse(text: string, fileName: string, options?: Options): Data;
  /** Training and validation parts (random for classify and tag, the last part for forecast). */
  split(data: Data, fraction: number, rng: Rng): { train: Data; validation: Data };
  /** A model size that suits the data. */
  suggestModel(train: Data): TaskModelOptions;
  /** A fresh learner whose vocabulary, labels or normalisation come from `train`. */
  createLearner(train: Data, model: TaskModelOptions, init?: { seed?: number }): L;
  /** The state createLearner starts from (vocabulary, labels, normalisation, model config): no
   *  parameters are allocated. */
  initialState(train: Data, model: TaskModelOptions): State;
  /** The model of a learner of `state` and the size of `data`'s passes, for estimateTaskMemory. */
  memoryShape(state: State, data: Data): TaskShape;
  /** The data as the learner's training examples; ConfigError for what training never saw. */
  examples(learner: L, data: Data): Example[];
  /** Metrics and baselines on labelled data. */
  evaluate(learner: L, data: Data): TaskEvaluation;
  predict(learner: L, data: Data): Prediction[];
  toJSON(learner: L): State;
  /** A learner from toJSON's state, its parameters freshly initialized (from `init.seed`, default
   *  0): set learner.params after. */
  fromJSON(state: State, init?: { seed?: number }): L;
}

/** Options outside `allowed` → "TASK takes no option NAME". */
export function checkTaskOptions(
  task: string,
  options: object | undefined,
  allowed: readonly string[],
): void {
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value !== undefined && !allowed.includes(key)) {
      const takes = allowed.length > 0 ? `its options are ${allowed.join(", ")}` : "it takes none";
      throw new ConfigError(`the ${task} task takes no option "${key}": ${takes}`);
    }
  }
}

/** The model options without embeddingSize, and the embedding width (default 16). */
export function splitEmbedding(model: TaskModelOptions): {
  rest: Omit<TaskModelOptions, "embeddingSize">;
  embeddingSize: number;
} {
  const { embeddingSize = 16, ...rest } = model;
  return { rest, embeddingSize };
}
