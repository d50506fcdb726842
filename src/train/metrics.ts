// The records a training run writes, one JSON object per line of metrics.jsonl, in this order of
// appearance; the report and `rnnlab eval` read them back.

/** Written once, first. */
export interface RunRecord {
  type: "run";
  /** The model's config and every training option, as given (JSON). */
  config: Record<string, unknown>;
  /** Tokenizer kind and vocabulary size, train/validation token counts. */
  data: {
    path: string;
    tokenizer: "char" | "word";
    vocabSize: number;
    trainTokens: number;
    valTokens: number;
  };
  /** Cross-entropy of the validation text under its own unigram distribution (nats per token). */
  unigramLoss: number;
  startedAt: string;
}

/** Every training step (or every k-th; `step` counts optimizer steps from 1). */
export interface TrainRecord {
  type: "train";
  step: number;
  /** Mean cross-entropy of the batch (nats per token), on the tokens fed as the mode decided. */
  loss: number;
  /** Global 2-norm of the gradient before and after clipping. */
  gradNorm: number;
  gradNormClipped: number;
  /** Learning rate used for this step. */
  lr: number;
  /** Scheduled sampling's eps_i for this step (1 under teacher forcing). */
  eps: number;
  /** Fraction of the fed tokens (after the first of each sequence) that were ground truth. */
  groundTruthFraction: number;
  tokensPerSecond: number;
  /** Seconds since the run (or its resumed part) started. */
  elapsed: number;
}

/** Every `evalEvery` steps: validation under teacher forcing, and a free-running sample. */
export interface ValRecord {
  type: "val";
  step: number;
  valLoss: number;
  /** Tokens the loss is over: those of the split's first valBatches batches (absent in older runs). */
  valTokens?: number;
  sample: string;
}

/** Every `evalEvery` steps: ‖dL/dh_t‖ at t = 0..T (top layer, summed over the batch) of that step. */
export interface GradFlowRecord {
  type: "gradflow";
  step: number;
  layer: number;
  norms: number[];
}

/** Written last. */
export interface DoneRecord {
  type: "done";
  step: number;
  /** Over the whole validation split, valTokens tokens (absent in older runs). */
  valLoss: number;
  valTokens?: number;
  unigramLoss: number;
  tokensPerSecond: number;
  seconds: number;
}

export type MetricRecord = RunRecord | TrainRecord | ValRecord | GradFlowRecord | DoneRecord;
