import type { ModelConfig } from "../model/config.js";
import type { Batch, Targets } from "../model/sequence-model.js";
import type { Buf, DType } from "../tensor.js";

// How the main thread and a shard worker talk. Everything per step goes through shared memory and
// Atomics (no message, no allocation); a message is posted only to start a shard and when its
// task buffer has to grow.
//
// control [Int32 × CONTROL_SIZE], written by the side named:
//   CMD    main:   sequence number of the latest command (Atomics.notify after writing it)
//   DONE   worker: sequence number of the last command finished (Atomics.notify after writing it)
//   STATUS worker: 0 ok, 1 the step threw (its error is in `message` as JSON {name, message})
//   GEN    main:   generation of the task buffer; a worker that sees a new one waits for its message
//   OP     main:   OP_STEP or OP_STOP
//   T, B, FLAGS main: the shard's batch (FLAGS: which of the task fields are present)
//   READY  worker: 1 once its model is built
//   SEED, PASS, ROW_OFFSET, TRAINING main: the dropout masks of the step (model.masks): the seed,
//          the pass, the shard's first row in the whole batch, and the mode (1 training, 0 eval), so a
//          row draws the same masks whichever thread runs it

export const CMD = 0;
export const DONE = 1;
export const STATUS = 2;
export const GEN = 3;
export const OP = 4;
export const TIME = 5;
export const ROWS = 6;
export const FLAGS = 7;
export const READY = 8;
export const SEED = 9;
export const PASS = 10;
export const ROW_OFFSET = 11;
export const TRAINING = 12;
export const CONTROL_SIZE = 13;

export const OP_STEP = 1;
export const OP_STOP = 2;
export const MESSAGE_BYTES = 2048;

export const HAS_TOKENS = 1;
export const HAS_INPUTS = 2;
export const HAS_LENGTHS = 4;
export const HAS_CLASSES = 8;
export const HAS_VALUES = 16;
export const HAS_MASK = 32;

/** What a shard is started with (its first message). */
export interface ShardInit {
  kind: "init";
  config: ModelConfig;
  /** The parameters, shared and read-only during a step; the shard's own gradient buffer. */
  data: Buf;
  grad: Buf;
  control: Int32Array;
  message: Uint8Array;
}

/** A new task buffer (shared), laid out by taskLayout. */
export interface ShardBuffers {
  kind: "buffers";
  generation: number;
  buffer: ArrayBufferLike;
}

export type ShardMessage = ShardInit | ShardBuffers;

/** Byte offsets of one shard task's fields in its buffer, for T steps of B rows: tokens, classes,
 *  lengths (Int32), mask (Uint8), inputs [T·B×I] and values [T·B×O] (dtype), and results
 *  (Float64: loss, count, ‖dL/dh_t‖ of the top layer for t = 0..T). Absent fields take no room. */
export interface TaskLayout {
  tokens: number;
  classes: number;
  lengths: number;
  mask: number;
  inputs: number;
  values: number;
  results: number;
  bytes: number;
}

export function taskLayout(
  T: number,
  B: number,
  flags: number,
  inputWidth: number,
  outputSize: number,
  dtype: DType,
): TaskLayout {
  const N = T * B;
  const width = dtype === "float64" ? 8 : 4;
  let at = 0;
  const take = (flag: number, bytes: number): number => {
    const offset = at;
    if (flags & flag) at += Math.ceil(bytes / 8) * 8;
    return offset;
  };
  const results = take(0, 0);
  at += 8 * (T + 3);
  const tokens = take(HAS_TOKENS, 4 * N);
  const classes = take(HAS_CLASSES, 4 * N);
  const lengths = take(HAS_LENGTHS, 4 * B);
  const mask = take(HAS_MASK, N);
  const inputs = take(HAS_INPUTS, width * N * inputWidth);
  const values = take(HAS_VALUES, width * N * outputSize);
  return { tokens, classes, lengths, mask, inputs, values, results, bytes: at };
}

/** Typed views of one task's fields (null where absent), made once per shape. */
export interface TaskViews {
  tokens: Int32Array | null;
  classes: Int32Array | null;
  lengths: Int32Array | null;
  mask: Uint8Array | null;
  inputs: Buf | null;
  values: Buf | null;
  /** [loss, count, ‖dL/dh_0‖, …, ‖dL/dh_T‖]; `norms` is its tail from index 2. */
  results: Float64Array;
  norms: Float64Array;
}

export function taskViews(
  buffer: ArrayBufferLike,
  T: number,
  B: number,
  flags: number,
  inputWidth: number,
  outputSize: number,
  dtype: DType,
): TaskViews {
  const layout = taskLayout(T, B, flags, inputWidth, outputSize, dtype);
  const N = T * B;
  const float = (offset: number, length: number): Buf =>
    dtype === "float64" ? new Float64Array(buffer, offset, length) : new Float32Array(buffer, offset, length);
  const has = (flag: number) => (flags & flag) !== 0;
  return {
    tokens: has(HAS_TOKENS) ? new Int32Array(buffer, layout.tokens, N) : null,
    classes: has(HAS_CLASSES) ? new Int32Array(buffer, layout.classes, N) : null,
    lengths: has(HAS_LENGTHS) ? new Int32Array(buffer, layout.lengths, B) : null,
    mask: has(HAS_MASK) ? new Uint8Array(buffer, layout.mask, N) : null,
    inputs: has(HAS_INPUTS) ? float(layout.inputs, N * inputWidth) : null,
    values: has(HAS_VALUES) ? float(layout.values, N * outputSize) : null,
    results: new Float64Array(buffer, layout.results, T + 3),
    norms: new Float64Array(buffer, layout.results + 16, T + 1),
  };
}

/** The (T, B, flags) a TaskViews was made for, compared field by field (no key string per step). */
export interface ViewShape {
  T: number;
  B: number;
  flags: number;
}

/** Whether `shape` is (T, B, flags); if not, records them there. */
export function reshaped(shape: ViewShape, T: number, B: number, flags: number): boolean {
  if (shape.T === T && shape.B === B && shape.flags === flags) return false;
  shape.T = T;
  shape.B = B;
  shape.flags = flags;
  return true;
}

/** A shard's batch and targets over its task views, into reused objects. */
export function shardBatch(out: Batch, v: TaskViews, T: number, B: number): Batch {
  out.T = T;
  out.B = B;
  out.tokens = v.tokens ?? undefined;
  out.inputs = v.inputs ?? undefined;
  out.lengths = v.lengths;
  return out;
}

export function shardTargets(out: Targets, v: TaskViews): Targets {
  out.classes = v.classes ?? undefined;
  out.values = v.values ?? undefined;
  out.mask = v.mask ?? undefined;
  return out;
}
