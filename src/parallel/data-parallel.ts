import { ConfigError, FormatError, NumericError, RnnlabError, ShapeError } from "../errors.js";
import { directionsOf, stateWidthOf } from "../model/config.js";
import { normsOverTime } from "../model/grad-flow.js";
import { inputWidth } from "../model/param-shapes.js";
import type { Batch, SequenceModel, Targets } from "../model/sequence-model.js";
import { axpy } from "../kernels/elementwise.js";
import type { Buf } from "../tensor.js";
import { utf8Decode } from "../utf8.js";
import {
  CMD,
  CONTROL_SIZE,
  DONE,
  FLAGS,
  GEN,
  HAS_CLASSES,
  HAS_INPUTS,
  HAS_LENGTHS,
  HAS_MASK,
  HAS_TOKENS,
  HAS_VALUES,
  MESSAGE_BYTES,
  OP,
  OP_STEP,
  OP_STOP,
  PASS,
  READY,
  ROW_OFFSET,
  ROWS,
  SEED,
  type ShardMessage,
  STATUS,
  type TaskViews,
  TIME,
  TRAINING,
  taskLayout,
  taskViews,
  type ViewShape,
  reshaped,
  shardBatch,
  shardTargets,
} from "./protocol.js";

// Data parallelism over threads: the batch's B rows are split into contiguous shards, shard 0 runs
// on the calling thread through the model itself, every other one in a worker holding a replica
// that reads the parameters from shared memory. With shard s covering c_s of the c positions that
// count, L = Σ_s (c_s/c)·L_s, so dL/dθ = Σ_s (c_s/c)·dL_s/dθ and ‖dL/dh_t‖² = Σ_s (c_s/c)²·‖dL_s/dh_t‖²
// (each shard's rows are its own). Only the order of the float sums differs from one thread.

/** A started shard worker, as the host (Node worker_threads, a browser Worker) provides it. */
export interface ShardHandle {
  post(message: ShardMessage): void;
  terminate(): void;
  /** Calls `listener` with one line if the worker fails to load or start (optional: ready() then
   *  waits for it to start, without a time limit). */
  onError?(listener: (message: string) => void): void;
}

export type SpawnShard = () => ShardHandle;

/** What lossAndGrad returns: reused by the next call, like the model's StepResult. */
export interface ParallelStepResult {
  /** Mean loss over the positions that count, and how many there are (as StepResult). */
  loss: number;
  count: number;
  /** ‖dL/dh_t‖ of the top layer for t = 0..T (as normsOverTime of StepResult.hiddenGrads). */
  hiddenGradNorms: Float64Array;
}

interface WorkerShard {
  handle: ShardHandle;
  control: Int32Array;
  message: Uint8Array;
  grad: Buf;
  buffer: ArrayBufferLike | null;
  generation: number;
  views: TaskViews | null;
  viewShape: ViewShape;
}

const START_SECONDS = 60;
const errorClasses: Record<string, new (message: string) => Error> = {
  ConfigError,
  FormatError,
  NumericError,
  RnnlabError,
  ShapeError,
  RangeError,
  TypeError,
};

/** lossAndGrad of `model` split over `threads` threads (workers from `spawn`): parameter gradients
 *  land in model.params.grad, as with model.lossAndGrad. Blocks the calling thread while the
 *  workers run (Atomics.wait: Node's main thread or a browser worker, not a page's main thread).
 *  Call close() when done. */
export class DataParallel {
  private readonly shared: Buf | null;
  private readonly workers: WorkerShard[] = [];
  private localViewsOf: TaskViews | null = null;
  private readonly localShape: ViewShape = { T: 0, B: 0, flags: 0 };
  private norms = new Float64Array(0);
  private readonly shardViews: TaskViews[] = [];
  private readonly weights: Float64Array;
  private command = 0;
  private started = false;
  private readyPromise: Promise<void> | null = null;
  private closed = false;
  /** Reused every step, so a step allocates nothing: the result, the calling thread's shard. */
  private readonly result: ParallelStepResult = { loss: 0, count: 0, hiddenGradNorms: this.norms };
  private readonly ownBatch: Batch = { T: 0, B: 0 };
  private readonly ownTargets: Targets = {};
  private readonly widths: { inputs: number; values: number };

  constructor(
    readonly model: SequenceModel,
    spawn: SpawnShard,
    readonly threads: number,
  ) {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new ConfigError(`threads must be a positive integer, got ${threads}`);
    }
    if (threads > 1 && typeof SharedArrayBuffer === "undefined") {
      throw new ConfigError(
        "more than one thread needs SharedArrayBuffer (in a browser, a cross-origin isolated page); use 1 thread",
      );
    }
    const { config, params } = model;
    const share = (length: number): Buf => {
      const bytes = (config.dtype === "float64" ? 8 : 4) * length;
      const buffer = new SharedArrayBuffer(bytes);
      return config.dtype === "float64" ? new Float64Array(buffer) : new Float32Array(buffer);
    };
    this.shared = threads > 1 ? share(params.data.length) : null;
    this.widths = { inputs: inputWidth(config), values: config.outputSize };
    this.weights = new Float64Array(threads);
    for (let i = 1; i < threads; i++) {
      const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_SIZE));
      const message = new Uint8Array(new SharedArrayBuffer(MESSAGE_BYTES));
      const grad = share(params.grad.length);
      const handle = spawn();
      handle.post({ kind: "init", config, data: this.shared!, grad, control, message });
      this.workers.push({
        handle,
        control,
        message,
        grad,
        buffer: null,
        generation: 0,
        views: null,
        viewShape: { T: 0, B: 0, flags: 0 },
      });
    }
  }

  /** A DataParallel whose threads have all started: the way to create one where the calling
   *  thread must not block before its workers run (a browser worker, whose nested workers start
   *  only once it returns to its event loop). */
  static async create(model: SequenceModel, spawn: SpawnShard, threads: number): Promise<DataParallel> {
    const parallel = new DataParallel(model, spawn, threads);
    try {
      await parallel.ready();
    } catch (error) {
      parallel.close();
      throw error;
    }
    return parallel;
  }

  /** Resolves once every worker has built its replica (at once for one thread); rejects with the
   *  first start failure its host reports. No time limit: a slow start is not a failure. */
  ready(): Promise<void> {
    this.readyPromise ??= Promise.all(this.workers.map((w, i) => startOf(w.handle, w.control, i + 1))).then(
      () => {
        this.started = true;
      },
    );
    return this.readyPromise;
  }

  lossAndGrad(batch: Batch, targets: Targets): ParallelStepResult {
    if (this.closed) throw new Error("DataParallel.lossAndGrad() called after close()");
    const { model } = this;
    const { T, B } = batch;
    if (!Number.isInteger(T) || T < 1 || !Number.isInteger(B) || B < 1) {
      throw new ShapeError(`batch needs positive integer T and B, got T = ${T}, B = ${B}`);
    }
    if (this.norms.length !== T + 1) this.norms = new Float64Array(T + 1);
    const shards = Math.min(this.threads, B);
    // The top layer's (forward direction's) dL/dh_t, H_out wide (projSize, else H).
    const H = stateWidthOf(model.config);
    const top = (model.config.layers - 1) * directionsOf(model.config);
    if (shards === 1) {
      const result = model.lossAndGrad(batch, targets);
      normsOverTime(result.hiddenGrads[top], T, B, H, this.norms);
      return this.answer(result.loss, result.count);
    }
    const flags = this.checkFields(batch, targets);
    this.shared!.set(model.params.data);
    this.command++;
    const ownRows = shardRows(B, shards, 0);
    let start = ownRows;
    for (let s = 1; s < shards; s++) {
      this.post(this.workers[s - 1], batch, targets, flags, start, shardRows(B, shards, s));
      start += shardRows(B, shards, s);
    }
    const mine = this.localViews(T, ownRows, flags);
    gather(mine, batch, targets, 0, ownRows, this.widths);
    try {
      const own = model.lossAndGrad(
        shardBatch(this.ownBatch, mine, T, ownRows),
        shardTargets(this.ownTargets, mine),
      );
      mine.results[0] = own.loss;
      mine.results[1] = own.count;
      normsOverTime(own.hiddenGrads[top], T, ownRows, H, mine.norms);
    } catch (e) {
      // The workers still read the task buffers: let them finish before anything reuses them.
      for (let s = 1; s < shards; s++) this.wait(this.workers[s - 1], s, false);
      throw e;
    }
    for (let s = 1; s < shards; s++) this.wait(this.workers[s - 1], s, true);
    this.started = true;
    return this.combine(shards, mine);
  }

  /** Stops the workers (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) {
      Atomics.store(w.control, OP, OP_STOP);
      Atomics.add(w.control, CMD, 1);
      Atomics.notify(w.control, CMD);
      w.handle.terminate();
    }
  }

  private answer(loss: number, count: number): ParallelStepResult {
    const result = this.result;
    result.loss = loss;
    result.count = count;
    result.hiddenGradNorms = this.norms;
    return result;
  }

  private checkFields(batch: Batch, targets: Targets): number {
    const { T, B } = batch;
    const N = T * B;
    const { inputs: I, values: O } = this.widths;
    return (
      fieldFlag("tokens", batch.tokens, N, HAS_TOKENS) |
      fieldFlag("inputs", batch.inputs, N * I, HAS_INPUTS) |
      fieldFlag("lengths", batch.lengths, B, HAS_LENGTHS) |
      fieldFlag("targets.classes", targets.classes, N, HAS_CLASSES) |
      fieldFlag("targets.values", targets.values, N * O, HAS_VALUES) |
      fieldFlag("targets.mask", targets.mask, N, HAS_MASK)
    );
  }

  private localViews(T: number, B: number, flags: number): TaskViews {
    if (reshaped(this.localShape, T, B, flags) || !this.localViewsOf) {
      const { inputs, values } = this.widths;
      const dtype = this.model.config.dtype;
      const bytes = taskLayout(T, B, flags, inputs, values, dtype).bytes;
      this.localViewsOf = taskViews(new ArrayBuffer(bytes), T, B, flags, inputs, values, dtype);
    }
    return this.localViewsOf;
  }

  private post(
    w: WorkerShard,
    batch: Batch,
    targets: Targets,
    flags: number,
    start: number,
    rows: number,
  ): void {
    const { T } = batch;
    const { inputs, values } = this.widths;
    const dtype = this.model.config.dtype;
    if (reshaped(w.viewShape, T, rows, flags) || !w.views) {
      const bytes = taskLayout(T, rows, flags, inputs, values, dtype).bytes;
      if (!w.buffer || w.buffer.byteLength < bytes) {
        w.buffer = new SharedArrayBuffer(bytes);
        w.generation++;
        w.handle.post({ kind: "buffers", generation: w.generation, buffer: w.buffer });
      }
      w.views = taskViews(w.buffer, T, rows, flags, inputs, values, dtype);
    }
    gather(w.views!, batch, targets, start, rows, this.widths);
    const c = w.control;
    c[TIME] = T;
    c[ROWS] = rows;
    c[FLAGS] = flags;
    // The pass the calling thread's forward is about to take (masks.pass), this shard's first row.
    const { masks } = this.model;
    c[SEED] = masks.seed | 0;
    c[PASS] = masks.pass | 0;
    c[ROW_OFFSET] = start;
    c[TRAINING] = masks.training ? 1 : 0;
    c[GEN] = w.generation;
    c[OP] = OP_STEP;
    Atomics.store(c, CMD, this.command);
    Atomics.notify(c, CMD);
  }

  private wait(w: WorkerShard, index: number, rethrow: boolean): void {
    const c = w.control;
    if (!this.started) {
      const ready = Atomics.wait(c, READY, 0, START_SECONDS * 1000);
      if (ready === "timed-out") {
        throw new Error(
          `thread ${index} did not start within ${START_SECONDS} s; create threads with await DataParallel.create() (or await ready()) before the first step, or train with one thread`,
        );
      }
    }
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done === this.command) break;
      if (Atomics.wait(c, DONE, done, START_SECONDS * 1000) === "timed-out") {
        throw new Error(`thread ${index} did not answer within ${START_SECONDS} s; train with one thread`);
      }
    }
    if (rethrow && Atomics.load(c, STATUS) !== 0) throw this.workerError(w);
  }

  private workerError(w: WorkerShard): Error {
    const length = new DataView(w.message.buffer, w.message.byteOffset).getUint32(0, true);
    try {
      const { name, message } = JSON.parse(utf8Decode(w.message.slice(4, 4 + length))) as {
        name: string;
        message: string;
      };
      return new (errorClasses[name] ?? Error)(message);
    } catch {
      return new Error("a training thread failed and its error could not be read");
    }
  }

  private combine(shards: number, mine: TaskViews): ParallelStepResult {
    const views = this.shardViews;
    views[0] = mine;
    for (let s = 1; s < shards; s++) views[s] = this.workers[s - 1].views!;
    let count = 0;
    for (let s = 0; s < shards; s++) count += views[s].results[1];
    const weights = this.weights;
    let loss = 0;
    for (let s = 0; s < shards; s++) {
      weights[s] = count > 0 ? views[s].results[1] / count : 0;
      loss += weights[s] * views[s].results[0];
    }
    // dL/dθ = Σ_s w_s·dL_s/dθ; the own shard's scaling and the first worker's term in one pass.
    const grad = this.model.params.grad;
    scaleAdd(grad, weights[0], this.workers[0].grad, weights[1]);
    for (let s = 2; s < shards; s++) axpy(grad, this.workers[s - 1].grad, weights[s]);
    const norms = this.norms;
    for (let t = 0; t < norms.length; t++) {
      let max = 0;
      for (let s = 0; s < shards; s++) max = Math.max(max, weights[s] * views[s].norms[t]);
      if (!(max > 0 && Number.isFinite(max))) {
        norms[t] = max;
        continue;
      }
      let sum = 0;
      for (let s = 0; s < shards; s++) sum += ((weights[s] * views[s].norms[t]) / max) ** 2;
      norms[t] = max * Math.sqrt(sum);
    }
    return this.answer(loss, count);
  }
}

/** Resolves when the worker's READY word turns 1, looking every 2 ms (a pending timer keeps Node's
 *  event loop alive, where Atomics.waitAsync does not: the CLI's process would exit with code 13);
 *  rejects when its host reports that it failed to start. */
function startOf(handle: ShardHandle, control: Int32Array, index: number): Promise<void> {
  const started = (async () => {
    while (Atomics.load(control, READY) === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  })();
  const failed = new Promise<never>((_, reject) => {
    handle.onError?.((message) => reject(new ConfigError(`thread ${index} failed to start: ${message}`)));
  });
  return Promise.race([started, failed]);
}

// Every runtime of the core has these timers; the core compiles without the DOM or Node types.
declare function setTimeout(callback: (value?: unknown) => void, ms: number): unknown;

/** `flag` when the field is there (with `size` entries, else a ShapeError), 0 when it is not. */
function fieldFlag(
  name: string,
  array: ArrayLike<number> | null | undefined,
  size: number,
  flag: number,
): number {
  if (!array) return 0;
  if (array.length !== size) throw new ShapeError(`${name} has ${array.length} entries, expected ${size}`);
  return flag;
}

/** out = a·out + b·x, elementwise. */
function scaleAdd(out: Buf, a: number, x: Buf, b: number): void {
  for (let i = 0; i < out.length; i++) out[i] = a * out[i] + b * x[i];
}

/** Rows of the batch in shard s of `shards`: B split as evenly as it goes, the first shards one
 *  larger. */
function shardRows(B: number, shards: number, s: number): number {
  return Math.floor(B / shards) + (s < B % shards ? 1 : 0);
}

/** Copies rows start..start+rows−1 of every time step of the batch's fields into a shard's views. */
function gather(
  v: TaskViews,
  batch: Batch,
  targets: Targets,
  start: number,
  rows: number,
  widths: { inputs: number; values: number },
): void {
  const { T, B } = batch;
  if (v.tokens) copyRows(v.tokens, batch.tokens!, T, B, start, rows, 1);
  if (v.inputs) copyRows(v.inputs, batch.inputs!, T, B, start, rows, widths.inputs);
  if (v.classes) copyRows(v.classes, targets.classes!, T, B, start, rows, 1);
  if (v.values) copyRows(v.values, targets.values!, T, B, start, rows, widths.values);
  if (v.mask) copyRows(v.mask, targets.mask!, T, B, start, rows, 1);
  if (v.lengths) for (let b = 0; b < rows; b++) v.lengths[b] = batch.lengths![start + b];
}

/** dst[(t·rows + r)·width + i] = src[(t·B + start + r)·width + i]: a shard's rows, time-major. */
function copyRows(
  dst: Buf | Int32Array | Uint8Array,
  src: ArrayLike<number>,
  T: number,
  B: number,
  start: number,
  rows: number,
  width: number,
): void {
  for (let t = 0; t < T; t++) {
    const from = (t * B + start) * width;
    const to = t * rows * width;
    for (let i = 0; i < rows * width; i++) dst[to + i] = src[from + i];
  }
}
