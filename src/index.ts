// "rnnlab": what a user builds, trains, evaluates, saves and loads models with. Everything here runs
// unchanged in Node and in a browser. Lower layers have their own entry points: rnnlab/model (cells,
// stacks, parameter layouts), rnnlab/kernels (products, activations, WebAssembly switches),
// rnnlab/report (figures and pages), rnnlab/parity (PyTorch fixtures), rnnlab/node (threads).
// test/api.test.ts pins this list: change it deliberately.

// Errors: one line each, saying what is wrong and how to fix it.
export { ConfigError, FormatError, NumericError, RnnlabError, ShapeError, StateError } from "./errors.js";

// Models. The registries (cellKinds, activationNames, optimizerNames, …) list every accepted name.
export { cellKinds } from "./cells/index.js";
export type { ActivationName } from "./kernels/activations.js";
export { activationNames } from "./kernels/activations.js";
export type {
  CellKind,
  InitConfig,
  InitWeights,
  InputConfig,
  LossName,
  ModelConfig,
  ModelOptions,
  RecurrentConfig,
} from "./model/config.js";
export { parseModelConfig } from "./model/config-schema.js";
export type { Params } from "./model/params.js";
export { type Batch, SequenceModel, type StepResult, type Targets } from "./model/sequence-model.js";
export type { StackGrads, StackState } from "./model/stack.js";
export { normsOverTime } from "./model/grad-flow.js";
export type { Buf, DType } from "./tensor.js";

// Training: the trainer, optimizers, clipping, schedules, feeding, truncated BPTT, threads.
export {
  type ClipSpec,
  evaluate,
  sampleText,
  type StepFigures,
  Trainer,
  type TrainerOptions,
} from "./train/trainer.js";
export {
  createOptimizer,
  type Optimizer,
  type OptimizerConfig,
  type OptimizerName,
  type OptimizerState,
  type OptimizerTarget,
} from "./train/optimizers.js";
export { optimizerNames } from "./train/optim/config.js";
export {
  clipGradNorm,
  clipGradNormPerParameter,
  clipGradValue,
  clipGradValuePerParameter,
  type ClipOptions,
  type ClipResult,
  gradNorm,
  type NormType,
} from "./train/clip.js";
export {
  constantLr,
  cosineLr,
  linearWarmup,
  type LrSchedule,
  type LrScheduleSpec,
  lrScheduleKinds,
  makeLrSchedule,
  type OneCycleOptions,
  stepLr,
} from "./train/schedules.js";
export {
  checkEpsSchedule,
  type EpsSchedule,
  epsAt,
  epsScheduleKinds,
  type FeedCounts,
  type FeedMode,
  feedModeKinds,
  makeFeeder,
  sampleSoftmax,
} from "./train/feeding.js";
export { type Stream, TruncatedBptt, tbpttWindows, type Window } from "./train/tbptt.js";
export type { MetricRecord, TrainRecord, ValRecord } from "./train/metrics.js";
export {
  DataParallel,
  type ParallelStepResult,
  type ShardHandle,
  type SpawnShard,
} from "./parallel/data-parallel.js";

// Data.
export { Rng, type RngState } from "./random.js";
export { Tokenizer, type TokenizerJSON, type TokenizerKind } from "./data/tokenizer.js";
export { decodeCorpus, splitTrainVal, unigramLoss } from "./data/corpus.js";
export { emptyBatch, sampleWindows, sequentialBatches, type TokenBatch } from "./data/windows.js";

// Evaluation: n-gram oracles, exposure bias, step-by-step generation.
export {
  type NGramJSON,
  NGramModel,
  type NGramOptions,
  type OracleExposureBias,
  oracleExposureBias,
  type StepModel,
  type TextExposureBias,
  textExposureBias,
  TokenStepper,
} from "./eval/index.js";
/** log softmax of one row of logits, and KL(p || q) against it with 0·log(0/q) = 0. */
export { klDivergence, logSoftmax } from "./eval/divergence.js";
/** Exposure-bias measures of one model over different prefixes, pooled into one. */
export { mergeOracleExposureBias } from "./eval/exposure-bias.js";
/** Generation: n samples in one batched forward per step (temperature, top-k, top-p, stop
 *  sequences), and beam search with GNMT's length penalty. */
export { type BeamHypothesis, type BeamOptions, beamSearch } from "./eval/beam.js";
export { type SamplingOptions, sampleSequences } from "./eval/sampling.js";

// Saving and loading: checkpoints, safetensors, PyTorch state dicts.
export { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from "./io/checkpoint.js";
export { fromCheckpoint, toCheckpoint, type TrainingState } from "./io/model-checkpoint.js";
export { decodeSafetensors, encodeSafetensors } from "./io/safetensors.js";
export { importTorchStateDict } from "./io/torch-import.js";
