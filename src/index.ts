// rnnlab's public API: everything here runs unchanged in Node and in a browser.

export type { Cell, CellStep } from "./cells/index.js";
export { cellFactories, createCell } from "./cells/index.js";
export { ConfigError, FormatError, NumericError, RnnlabError, ShapeError } from "./errors.js";
export {
  type Activation,
  type ActivationName,
  activationNames,
  makeActivation,
} from "./kernels/activations.js";
export {
  loadWasmKernels,
  reloadWasmKernel,
  setWasmGemmEnabled,
  setWasmGemmSums,
  type WasmVariant,
  wasmGemmAvailable,
  wasmGemmEnabled,
  wasmKernelVariant,
} from "./kernels/gemm-wasm.js";
export { setWasmPointwiseEnabled, wasmPointwiseEnabled } from "./kernels/pointwise-wasm.js";
export { matmul, matmulReference, matmulTransA, matmulTransB } from "./kernels/matmul.js";
export type { CellKind, InputConfig, LossName, ModelConfig, RecurrentConfig } from "./model/config.js";
export { modelParamSpecs, type ParamSpec, recurrentParamSpecs } from "./model/param-shapes.js";
export { Params } from "./model/params.js";
export { type Batch, SequenceModel, type StepResult, type Targets } from "./model/sequence-model.js";
export { RecurrentStack, type StackGrads, type StackState } from "./model/stack.js";
export { PARITY_TOLERANCE, type ParityReport, parseFixture, runParity } from "./parity/index.js";
export { Rng, type RngState } from "./random.js";
export { type Buf, type DType, Tensor } from "./tensor.js";
export * from "./train/clip.js";
export * from "./train/optimizers.js";
export * from "./train/schedules.js";
export { type Stream, TruncatedBptt, tbpttWindows, type Window } from "./train/tbptt.js";
export { normsOverTime } from "./model/grad-flow.js";
export * from "./eval/index.js";
export { decodeCorpus, splitTrainVal, unigramLoss } from "./data/corpus.js";
export { Tokenizer, type TokenizerJSON, type TokenizerKind, UNKNOWN } from "./data/tokenizer.js";
export { emptyBatch, sampleWindows, sequentialBatches, type TokenBatch } from "./data/windows.js";
export * from "./train/feeding.js";
export type * from "./train/metrics.js";
export {
  type ClipSpec,
  evaluate,
  sampleText,
  type StepFigures,
  Trainer,
  type TrainerOptions,
} from "./train/trainer.js";
export { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from "./io/checkpoint.js";
export { parseModelConfig } from "./io/config-schema.js";
export { fromCheckpoint, toCheckpoint, type TrainingState } from "./io/model-checkpoint.js";
export { decodeSafetensors, encodeSafetensors } from "./io/safetensors.js";
export { importTorchStateDict } from "./io/torch-import.js";
export * from "./report/index.js";
export {
  DataParallel,
  type ParallelStepResult,
  type ShardHandle,
  type SpawnShard,
} from "./parallel/data-parallel.js";
export type { ShardMessage } from "./parallel/protocol.js";
export { onShardMessage } from "./parallel/shard.js";
