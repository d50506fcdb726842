import { directionsOf, stateWidthOf } from "../model/config.js";
import { normsOverTime } from "../model/grad-flow.js";
import { inputWidth } from "../model/param-shapes.js";
import { type Batch, SequenceModel, type Targets } from "../model/sequence-model.js";
import { utf8Encode } from "../utf8.js";
import {
  CMD,
  DONE,
  FLAGS,
  GEN,
  OP,
  OP_STOP,
  PASS,
  READY,
  ROW_OFFSET,
  ROWS,
  SEED,
  type ShardInit,
  type ShardMessage,
  STATUS,
  type TaskViews,
  TIME,
  TRAINING,
  taskViews,
  type ViewShape,
  reshaped,
  shardBatch,
  shardTargets,
} from "./protocol.js";

// The worker side of DataParallel, host-agnostic: a Node worker_threads entry or a browser Worker
// feeds every message it receives to onShardMessage and nothing else. Each step is the model's
// lossAndGrad on the shard's rows of the batch, on private copies of the parameters (copied in from
// shared memory before, the gradient copied out after).

interface Shard {
  init: ShardInit;
  model: SequenceModel;
  buffer: ArrayBufferLike | null;
  generation: number;
  lastCommand: number;
  views: TaskViews | null;
  viewShape: ViewShape;
  /** Reused every step. */
  batch: Batch;
  targets: Targets;
}

let shard: Shard | null = null;

/** Handles one message from the main thread; returns false once told to stop (the host then
 *  closes the worker). Between buffer messages it serves steps by Atomics.wait, blocking the
 *  worker's thread, which is what a worker is for. */
export function onShardMessage(message: ShardMessage): boolean {
  if (message.kind === "init") {
    // The replica computes on private copies: read from shared memory, its kernels' copies in and out
    // run as relaxed atomics, and the worker's shard ran about 25 % slower than the main thread's
    // that way (against about 10 % with one copy each way per step).
    const params = { data: message.data.slice(), grad: message.grad.slice() };
    const model = new SequenceModel(message.config, { params });
    shard = {
      init: message,
      model,
      buffer: null,
      generation: 0,
      lastCommand: 0,
      views: null,
      viewShape: { T: 0, B: 0, flags: 0 },
      batch: { T: 0, B: 0 },
      targets: {},
    };
    Atomics.store(message.control, READY, 1);
    Atomics.notify(message.control, READY);
  } else if (shard) {
    shard.buffer = message.buffer;
    shard.generation = message.generation;
    shard.views = null;
  }
  return shard ? serve(shard) : true;
}

/** Runs commands until one needs a buffer message not yet received (true) or says stop (false). */
function serve(s: Shard): boolean {
  const control = s.init.control;
  for (;;) {
    Atomics.wait(control, CMD, s.lastCommand);
    const command = Atomics.load(control, CMD);
    if (Atomics.load(control, OP) === OP_STOP) return false;
    if (Atomics.load(control, GEN) !== s.generation) return true;
    s.lastCommand = command;
    const status = runStep(s);
    Atomics.store(control, STATUS, status);
    Atomics.store(control, DONE, command);
    Atomics.notify(control, DONE);
  }
}

function runStep(s: Shard): number {
  const control = s.init.control;
  const T = control[TIME];
  const B = control[ROWS];
  const flags = control[FLAGS];
  const config = s.model.config;
  if (reshaped(s.viewShape, T, B, flags) || !s.views) {
    s.views = taskViews(s.buffer!, T, B, flags, inputWidth(config), config.outputSize, config.dtype);
  }
  const v = s.views;
  try {
    const { params, masks } = s.model;
    params.data.set(s.init.data);
    // The main thread's masks, with this shard's first row: the rows draw what one thread draws.
    masks.seed = control[SEED] >>> 0;
    masks.pass = control[PASS] >>> 0;
    masks.rowOffset = control[ROW_OFFSET];
    masks.training = control[TRAINING] === 1;
    const result = s.model.lossAndGrad(shardBatch(s.batch, v, T, B), shardTargets(s.targets, v));
    s.init.grad.set(params.grad);
    v.results[0] = result.loss;
    v.results[1] = result.count;
    const top = (config.layers - 1) * directionsOf(config); // the top layer's forward direction
    normsOverTime(result.hiddenGrads[top], T, B, stateWidthOf(config), v.norms);
    return 0;
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    // 300 UTF-16 units take at most 1,800 bytes as JSON (an escape is 6), so the message fits.
    const error = { name: e instanceof Error ? e.name.slice(0, 40) : "Error", message: text.slice(0, 300) };
    const bytes = utf8Encode(JSON.stringify(error));
    const message = s.init.message;
    new DataView(message.buffer, message.byteOffset).setUint32(0, bytes.length, true);
    message.set(bytes, 4);
    return 1;
  }
}
