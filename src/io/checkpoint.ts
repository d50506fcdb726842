// A checkpoint is one safetensors file (see docs/checkpoint-format.md): the parameters as tensors
// under their PyTorch names, optimizer buffers as 1-D tensors `optimizer.<buffer>`, and the rest
// as JSON strings in `__metadata__`, with a CRC-32C of every tensor and of the metadata (checked on
// reading when present). Reading parses JSON and numbers only; nothing in the file is evaluated.

import { ConfigError, FormatError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import { modelParamSpecs } from "../model/param-shapes.js";
import { alloc, type Buf, type DType, shapeSize, Tensor } from "../tensor.js";
import { parseModelConfig } from "../model/config-schema.js";
import {
  checkExtra,
  checkFinite,
  checkLayersFit,
  checkOptimizerState,
  checkStepsAgree,
} from "./checkpoint-checks.js";
import { withPrintableErrors } from "./printable.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";

export const CHECKPOINT_FORMAT = "rnnlab-checkpoint";
export const CHECKPOINT_FORMAT_VERSION = "1";
const OPTIMIZER_PREFIX = "optimizer.";
/** Every metadata key a version-1 checkpoint may have (the checksum is the safetensors layer's). */
const METADATA_KEYS = new Set([
  "format",
  "format_version",
  "config",
  "step",
  "rng_state",
  "optimizer",
  "extra",
]);

export interface CheckpointOptimizer {
  config: Record<string, unknown>;
  step: number;
  /** Flat, one value per model parameter (in modelParamSpecs order), e.g. exp_avg, exp_avg_sq. */
  buffers: Record<string, Buf>;
}

export interface Checkpoint {
  /** The model's architecture. */
  config: ModelConfig;
  /** Every parameter by its (PyTorch) name. */
  params: Record<string, Tensor>;
  /** Optimizer steps taken. */
  step: number;
  /** Four uint32 words, from Rng.state(). */
  rngState: number[];
  optimizer?: CheckpointOptimizer;
  /** JSON-able data of later features (a tokenizer's vocabulary, training options). */
  extra?: Record<string, unknown>;
}

export interface DecodeCheckpointOptions {
  /** Convert parameters and optimizer buffers to this dtype and set config.dtype to it; by default
   *  they are converted to the stored config.dtype. */
  dtype?: DType;
}

/** A safetensors file that lacks the rnnlab-checkpoint format marker (e.g. raw PyTorch weights). */
export class NotACheckpointError extends FormatError {}

/** Checks the checkpoint as decodeCheckpoint would, so a bad one fails when written, not when read;
 *  the file carries a CRC-32C of each tensor and of the metadata. */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  parseModelConfig(ckpt.config);
  checkParamSet(ckpt.config, ckpt.params);
  checkStep("step", ckpt.step);
  checkRngState(ckpt.rngState);
  for (const [name, tensor] of Object.entries(ckpt.params))
    checkFinite(`checkpoint parameter ${name}`, tensor.data);
  if (ckpt.extra !== undefined) checkExtra(ckpt.config, ckpt.extra);
  const tensors: Record<string, Tensor> = { ...ckpt.params };
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    format_version: CHECKPOINT_FORMAT_VERSION,
    config: JSON.stringify(ckpt.config),
    step: String(ckpt.step),
    rng_state: JSON.stringify(ckpt.rngState),
  };
  if (ckpt.optimizer !== undefined) {
    const { config, step, buffers } = ckpt.optimizer;
    checkStep("optimizer step", step);
    checkStepsAgree(ckpt.step, step);
    checkOptimizerBuffers(buffers, paramCount(ckpt.config));
    for (const [name, buf] of Object.entries(buffers)) {
      checkFinite(`checkpoint optimizer buffer ${name}`, buf);
      tensors[OPTIMIZER_PREFIX + name] = new Tensor(buf, [buf.length]);
    }
    metadata.optimizer = JSON.stringify({ config, step });
  }
  if (ckpt.extra !== undefined) metadata.extra = JSON.stringify(ckpt.extra);
  return encodeSafetensors(tensors, metadata, { checksum: true });
}

/** Reads and checks a checkpoint: layout and checksum (decodeSafetensors), the metadata keys, the
 *  config, exactly the model's parameters, finite values, steps that agree, and extra's tokenizer and
 *  run config (checkpoint-checks.ts). Any defect throws one FormatError naming it. */
export function decodeCheckpoint(bytes: Uint8Array, options: DecodeCheckpointOptions = {}): Checkpoint {
  return withPrintableErrors(() => readCheckpoint(bytes, options));
}

function readCheckpoint(bytes: Uint8Array, options: DecodeCheckpointOptions): Checkpoint {
  const { tensors, metadata } = decodeSafetensors(bytes);
  checkFormatMarker(metadata);
  checkMetadataKeys(metadata);
  const config = readConfig(metadata, options.dtype);
  // No prototype: a tensor named __proto__ or constructor is a plain (unknown) key, refused below.
  const params: Record<string, Tensor> = Object.create(null);
  const optimizerTensors: Record<string, Tensor> = Object.create(null);
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name.startsWith(OPTIMIZER_PREFIX)) optimizerTensors[name.slice(OPTIMIZER_PREFIX.length)] = tensor;
    else params[name] = tensor;
  }
  checkLayersFit(config, Object.keys(params).length);
  checkParamSet(config, params);
  for (const [name, tensor] of Object.entries(params))
    checkFinite(`checkpoint parameter ${name}`, tensor.data);
  const ckpt: Checkpoint = {
    config,
    params: orderedParams(config, params),
    step: readStep(metadata),
    rngState: readRngState(metadata),
  };
  const optimizer = readOptimizer(metadata, optimizerTensors, config);
  if (optimizer !== undefined) {
    checkStepsAgree(ckpt.step, optimizer.step);
    ckpt.optimizer = optimizer;
  }
  if (metadata.extra !== undefined) {
    ckpt.extra = readExtra(metadata);
    checkExtra(config, ckpt.extra);
  }
  return ckpt;
}

/** Throws a FormatError unless `params` holds exactly the parameters of `config`, shapes included. */
export function checkParamSet(
  config: ModelConfig,
  params: Record<string, Tensor>,
  owner = "checkpoint",
): void {
  const specs = modelParamSpecs(config);
  for (const { name, shape } of specs) {
    const tensor = Object.hasOwn(params, name) ? params[name] : undefined;
    if (tensor === undefined) throw new FormatError(`${owner} lacks parameter ${name} [${shape}]`);
    if (tensor.shape.join() !== shape.join()) {
      throw new FormatError(
        `${owner} parameter ${name} has shape [${tensor.shape}], the config needs [${shape}]`,
      );
    }
  }
  const known = new Set(specs.map((spec) => spec.name));
  for (const name of Object.keys(params)) {
    if (!known.has(name)) {
      throw new FormatError(
        `${owner} has unknown parameter ${name}: it is not part of this ${config.cell} model`,
      );
    }
  }
}

function paramCount(config: ModelConfig): number {
  return modelParamSpecs(config).reduce((sum, spec) => sum + shapeSize(spec.shape), 0);
}

function checkFormatMarker(metadata: Record<string, string>): void {
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new NotACheckpointError(
      `this safetensors file is not an rnnlab checkpoint (no format "${CHECKPOINT_FORMAT}" in its metadata); import PyTorch weights with \`rnnlab import-torch\``,
    );
  }
  if (metadata.format_version !== CHECKPOINT_FORMAT_VERSION) {
    throw new FormatError(
      `checkpoint format_version is ${JSON.stringify(metadata.format_version)}, this rnnlab reads "${CHECKPOINT_FORMAT_VERSION}"; use the rnnlab version that wrote it`,
    );
  }
}

function checkMetadataKeys(metadata: Record<string, string>): void {
  for (const key of Object.keys(metadata)) {
    if (!METADATA_KEYS.has(key)) {
      throw new FormatError(
        `checkpoint metadata has unknown key '${key}'; version ${CHECKPOINT_FORMAT_VERSION} has ${[...METADATA_KEYS].join(", ")}`,
      );
    }
  }
}

function readConfig(metadata: Record<string, string>, dtype: DType | undefined): ModelConfig {
  let config: ModelConfig;
  try {
    config = parseModelConfig(parseJsonField(metadata, "config"));
  } catch (error) {
    if (error instanceof ConfigError) throw new FormatError(error.message);
    throw error;
  }
  return dtype === undefined ? config : { ...config, dtype };
}

function parseJsonField(metadata: Record<string, string>, key: string): unknown {
  const text = metadata[key];
  if (text === undefined) throw new FormatError(`checkpoint metadata lacks '${key}'`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FormatError(`checkpoint metadata '${key}' is not JSON (${(error as Error).message})`);
  }
}

function orderedParams(config: ModelConfig, params: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(
    modelParamSpecs(config).map(({ name }) => [name, withDType(params[name], config.dtype)]),
  );
}

function withDType(tensor: Tensor, dtype: DType): Tensor {
  return tensor.dtype === dtype ? tensor : new Tensor(toDType(tensor.data, dtype), tensor.shape);
}

/** `buf` itself when it already has `dtype`, else a converted copy. */
function toDType(buf: Buf, dtype: DType): Buf {
  if (buf instanceof Float64Array === (dtype === "float64")) return buf;
  const out = alloc(dtype, buf.length);
  out.set(buf);
  return out;
}

function readStep(metadata: Record<string, string>): number {
  const text = metadata.step;
  if (text === undefined) throw new FormatError("checkpoint metadata lacks 'step'");
  const step = /^(0|[1-9][0-9]*)$/.test(text) ? Number(text) : Number.NaN;
  checkStep("step", step, text);
  return step;
}

function checkStep(what: string, step: unknown, shown: unknown = step): void {
  if (!Number.isSafeInteger(step) || (step as number) < 0) {
    throw new FormatError(`checkpoint ${what} must be a non-negative integer, got ${JSON.stringify(shown)}`);
  }
}

function readRngState(metadata: Record<string, string>): number[] {
  const state = parseJsonField(metadata, "rng_state");
  checkRngState(state);
  return state;
}

function checkRngState(state: unknown): asserts state is number[] {
  const isWord = (w: unknown) => Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff;
  if (!Array.isArray(state) || state.length !== 4 || !state.every(isWord) || state.every((w) => w === 0)) {
    throw new FormatError(
      `checkpoint rng_state must be four uint32 words, not all zero, got ${JSON.stringify(state)}`,
    );
  }
}

function readOptimizer(
  metadata: Record<string, string>,
  tensors: Record<string, Tensor>,
  config: ModelConfig,
): CheckpointOptimizer | undefined {
  if (metadata.optimizer === undefined) {
    const stray = Object.keys(tensors)[0];
    if (stray === undefined) return undefined;
    throw new FormatError(`checkpoint has tensor ${OPTIMIZER_PREFIX}${stray} but no 'optimizer' metadata`);
  }
  const value = parseJsonField(metadata, "optimizer");
  if (!isRecord(value) || !isRecord(value.config)) {
    throw new FormatError(`checkpoint metadata 'optimizer' must be {"config": {...}, "step": n}`);
  }
  checkStep("optimizer step", value.step);
  const buffers: Record<string, Buf> = Object.create(null);
  for (const [name, tensor] of Object.entries(tensors)) {
    if (tensor.shape.length !== 1) {
      throw new FormatError(
        `checkpoint optimizer buffer ${name} has shape [${tensor.shape}], expected a 1-D buffer`,
      );
    }
    checkFinite(`checkpoint optimizer buffer ${name}`, tensor.data);
    buffers[name] = toDType(tensor.data, config.dtype);
  }
  checkOptimizerBuffers(buffers, paramCount(config));
  checkOptimizerState(value.config, value.step as number, buffers, paramCount(config), config.dtype);
  return { config: value.config, step: value.step as number, buffers };
}

function checkOptimizerBuffers(buffers: Record<string, Buf>, count: number): void {
  for (const [name, buf] of Object.entries(buffers)) {
    if (buf.length !== count) {
      throw new FormatError(
        `checkpoint optimizer buffer ${name} has ${buf.length} values, the model has ${count} parameters`,
      );
    }
  }
}

function readExtra(metadata: Record<string, string>): Record<string, unknown> {
  const extra = parseJsonField(metadata, "extra");
  if (!isRecord(extra)) throw new FormatError("checkpoint metadata 'extra' must be a JSON object");
  return extra;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
