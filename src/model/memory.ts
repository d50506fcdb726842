import { createCell } from "../cells/index.js";
import { shapeSize } from "../tensor.js";
import { directionsOf, type ModelConfig, outputWidthOf, stateWidthOf } from "./config.js";
import { inputWidth, modelParamSpecs } from "./param-shapes.js";

// What a model and its use will allocate, from the config alone, before anything is allocated: the
// sums below mirror the buffers of params.ts, layer.ts (LayerWorkspace), stack.ts, input-layer.ts,
// input-dropout.ts, layer-regularization.ts, sequence-model.ts and DataParallel. Each is the size
// a grow-only Scratch reaches for the largest (T, B) of the use; test/memory.test.ts checks the sum
// against the bytes a model really holds after a step. N = T·B throughout.

/** The longest typed array V8 makes (Node 20, Chrome): new Float32Array(2^32 + 1) throws
 *  "Invalid typed array length" however much memory is free. */
export const MAX_TYPED_ARRAY_LENGTH = 2 ** 32;

export interface PassShape {
  /** Time steps of a pass. */
  T: number;
  /** Rows (sequences) of a pass. */
  B: number;
}

/** How the model is used. Training: steps of (T, B) with backward, its optimizer's state
 *  (optimizerCopies buffers as long as the parameters: adam 2, amsgrad 3, sgd with momentum 1,
 *  rmsprop 1 to 3, adagrad 1), `threads` DataParallel threads, and forward-only validation passes.
 *  Inference: forward passes only (evaluation, a generation's prime of T tokens on B rows), plus
 *  `generated` tokens kept per row. `lengths`: padded batches (task runs), which keep masked outputs. */
export type MemoryUse =
  | ({
      kind: "training";
      optimizerCopies: number;
      threads?: number;
      validation?: PassShape;
      lengths?: boolean;
    } & PassShape)
  | ({ kind: "inference"; generated?: number; lengths?: boolean } & PassShape);

export interface MemoryEstimate {
  /** Bytes of each part: parameter values, their gradients, optimizer state, per-pass buffers of
   *  the model (activations, caches, their gradients), what threads > 1 add (shared copies and each
   *  worker's replica), the WebAssembly kernels' memory (float32: operands are copied in, and each
   *  layer's W_hh kept packed twice), a checkpoint's transient copies, generated tokens; total is their sum. */
  params: number;
  grads: number;
  optimizer: number;
  activations: number;
  threads: number;
  kernels: number;
  checkpoint: number;
  generated: number;
  total: number;
  /** The longest single typed array (elements) and what it is, to check against V8's limit. */
  largest: { name: string; length: number };
}

/** Bytes by buffer name (summed over layers), and the longest single array. */
class Tally {
  readonly byName = new Map<string, number>();
  largest = { name: "none", length: 0 };

  /** `count` arrays of `length` elements of `size` bytes each. */
  add(name: string, length: number, size: number, count = 1): void {
    if (length <= 0) return;
    this.byName.set(name, (this.byName.get(name) ?? 0) + count * length * size);
    if (length > this.largest.length) this.largest = { name, length };
  }

  get bytes(): number {
    let sum = 0;
    for (const bytes of this.byName.values()) sum += bytes;
    return sum;
  }

  /** Grow-only buffers over two uses: each keeps the larger of its two sizes. */
  static max(a: Tally, b: Tally): Tally {
    const out = new Tally();
    for (const source of [a, b]) {
      for (const [name, bytes] of source.byName)
        out.byName.set(name, Math.max(out.byName.get(name) ?? 0, bytes));
    }
    out.largest = a.largest.length >= b.largest.length ? a.largest : b.largest;
    return out;
  }
}

/** The parameter count of a model with this config. */
export function paramCount(config: ModelConfig): number {
  return modelParamSpecs(config).reduce((sum, spec) => sum + shapeSize(spec.shape), 0);
}

export function estimateMemory(config: ModelConfig, use: MemoryUse): MemoryEstimate {
  const size = elementSize(config);
  const count = paramCount(config);
  const params = count * size;
  const passes = modelPasses(config, use);
  let threads = 0;
  let optimizer = 0;
  let checkpoint = 0;
  if (use.kind === "training") {
    optimizer = use.optimizerCopies * params;
    // A checkpoint copies the parameters and optimizer state (toTensors, state()) and encodes them.
    checkpoint = 2 * (params + optimizer);
    const workers = Math.max(1, use.threads ?? 1) - 1;
    if (workers > 0 && use.B > 1) {
      // DataParallel: shared parameters, and per worker a shared gradient, the replica's private
      // parameter and gradient copies, and its scratch for its rows (at most ⌈B/threads⌉).
      const rows = Math.ceil(use.B / (workers + 1));
      const replica = passBytes(config, { T: use.T, B: rows }, true, use.lengths ?? false);
      threads = params + workers * (3 * params + replica.bytes);
    }
  }
  const generated = use.kind === "inference" ? 4 * use.B * (use.generated ?? 0) : 0;
  const grads = params;
  const activations = passes.bytes;
  const largestPass =
    use.kind === "training" && use.validation && use.validation.T * use.validation.B > use.T * use.B
      ? use.validation
      : use;
  const kernels = kernelBytes(config, largestPass);
  const total = params + grads + optimizer + activations + threads + kernels + checkpoint + generated;
  const largest = [passes.largest, { name: "parameters", length: count }].reduce((a, b) =>
    b.length > a.length ? b : a,
  );
  return { params, grads, optimizer, activations, threads, kernels, checkpoint, generated, total, largest };
}

/** The model's own per-pass buffers over the use's passes (each buffer at its largest). */
function modelPasses(config: ModelConfig, use: MemoryUse): Tally {
  const lengths = use.lengths ?? false;
  const main = passBytes(config, use, use.kind === "training", lengths);
  if (use.kind !== "training" || !use.validation) return main;
  return Tally.max(main, passBytes(config, use.validation, false, lengths));
}

/** Bytes of the buffers one pass of (T, B) leaves in a model (training: forward and backward). */
function passBytes(config: ModelConfig, shape: PassShape, training: boolean, lengths: boolean): Tally {
  const { T, B } = shape;
  const N = T * B;
  const s = elementSize(config);
  const tally = new Tally();
  const input = config.input;
  const V = input.kind === "dense" ? 0 : input.vocabSize;
  // Layer 0 reads an embedding's tokens through the vocabulary projection when V < N, unless input
  // dropout makes it read vectors (training); else x [N×I] is made by the input layer (not dense).
  const inputDropout = training && (config.inputDropout ?? 0) > 0;
  const tokens = input.kind === "embedding" && V < N && !inputDropout;
  if (input.kind !== "dense" && !tokens) tally.add("input vectors", N * inputWidth(config), s);
  stackBytes(tally, config, T, B, training, tokens, lengths);
  readoutBytes(tally, config, N, training, lengths);
  return tally;
}

function stackBytes(
  tally: Tally,
  config: ModelConfig,
  T: number,
  B: number,
  training: boolean,
  tokens: boolean,
  lengths: boolean,
): void {
  const N = T * B;
  const s = elementSize(config);
  const D = directionsOf(config);
  const P = stateWidthOf(config);
  const H = config.hiddenSize;
  const cell = createCell(config);
  const GH = cell.gates * H;
  const V = config.input.kind === "dense" ? 0 : config.input.vocabSize;
  for (let k = 0; k < config.layers; k++) {
    const I = k === 0 ? inputWidth(config) : outputWidthOf(config);
    for (let d = 0; d < D; d++) {
      workspaceBytes(tally, { N, B, I, H, P, GH, s, lengths }, cell);
      if (k === 0 && tokens) {
        tally.add("vocabulary projection", V * GH, s);
        if (training) tally.add("vocabulary projection gradient", V * GH, s);
      }
      regularizerBytes(tally, config, N, B, P, cell.hasCellState, s);
    }
    const pFresh = k > 0 ? (config.dropout ?? 0) : 0;
    const pSequence = config.inputDropout ?? 0;
    if (training && (pFresh > 0 || pSequence > 0)) {
      tally.add("dropout mask", N * I, s);
      tally.add("dropped inputs", N * I, s);
      if (pSequence > 0) tally.add("sequence mask", B * I, s);
    }
    if (D === 2) {
      tally.add("bidirectional outputs", N * 2 * P, s);
      if (!(k === 0 && tokens)) tally.add("reversed inputs", N * I, s);
      const wantGrad = k > 0 || config.input.kind !== "onehot";
      if (training && wantGrad) tally.add("bidirectional input gradient", N * I, s);
    }
  }
  if (D === 2) {
    tally.add("time order", N, 4);
    if (tokens) tally.add("reversed tokens", N, 4);
    if (training) tally.add("direction gradients", N * P, s, 2);
  }
}

interface LayerSizes {
  N: number;
  B: number;
  I: number;
  H: number;
  P: number;
  GH: number;
  s: number;
  lengths: boolean;
}

/** LayerWorkspace.use: every buffer, backward's included, is made at the first forward. */
function workspaceBytes(
  tally: Tally,
  { N, B, I, H, P, GH, s, lengths }: LayerSizes,
  cell: ReturnType<typeof createCell>,
): void {
  const states = N * P + B * P; // (T+1)·B×P
  const cellStates = cell.hasCellState ? N * H + B * H : 0;
  const projected = P !== H;
  tally.add("input projection", N * GH, s);
  tally.add("hidden part", B * GH, s);
  tally.add("states", states, s);
  tally.add("projection inputs", projected ? N * H : 0, s);
  tally.add("projection gradient", projected ? B * H : 0, s);
  tally.add("cell states", cellStates, s);
  tally.add("cell cache", N * cell.cacheWidth * H, s);
  tally.add("gate gradients", N * GH, s);
  tally.add("hidden gate gradients", cell.sharesPartGrad ? 0 : N * GH, s);
  tally.add("state gradients", states, s);
  tally.add("cell state gradients", cellStates, s);
  tally.add("input gradient", N * I, s);
  tally.add("masked-row stash", B * P + B * H, s);
  if (lengths) tally.add("masked outputs", N * P, s);
}

/** LayerRegularizer.use: recurrent dropout's mask and m ⊙ h, zoneout's masks and h̃, c̃. */
function regularizerBytes(
  tally: Tally,
  config: ModelConfig,
  N: number,
  B: number,
  P: number,
  hasCellState: boolean,
  s: number,
): void {
  const H = config.hiddenSize;
  if ((config.recurrentDropout ?? 0) > 0) {
    tally.add("recurrent dropout masks", B * P, s, 2);
    tally.add("dropped states", N * P, s);
  }
  if ((config.zoneout ?? 0) > 0) tally.add("zoneout h", N * P, s, 3);
  if (hasCellState && (config.cellZoneout ?? 0) > 0) {
    tally.add("zoneout c", N * H, s, 2);
    tally.add("zoneout c gradient", B * H, s);
  }
}

/** The readout's logits and their gradient (both made by the forward), dL/d(top outputs), output
 *  dropout, and the loss's targets. */
function readoutBytes(
  tally: Tally,
  config: ModelConfig,
  N: number,
  training: boolean,
  lengths: boolean,
): void {
  const O = config.outputSize;
  if (O === 0) return;
  const s = elementSize(config);
  const W = outputWidthOf(config);
  tally.add("logits", N * O, s);
  tally.add("logit gradients", N * O, s);
  if (training) tally.add("top output gradients", N * W, s);
  if (training && (config.outputDropout ?? 0) > 0) tally.add("output dropout", N * W, s, 2);
  if (config.loss === "cross-entropy") tally.add("loss targets", N, 4);
  else if (lengths) tally.add("loss row mask", N, 1);
}

/** The WebAssembly memory float32 products grow (kernels/gemm-wasm.ts): the largest product's
 *  out + a + b, copied in, plus every layer's W_hh packed for forward and for backward. */
function kernelBytes(config: ModelConfig, { T, B }: PassShape): number {
  if (config.dtype !== "float32") return 0;
  const N = T * B;
  const GH = createCell(config).gates * config.hiddenSize;
  const P = stateWidthOf(config);
  const W = outputWidthOf(config);
  const O = config.outputSize;
  const product = (m: number, k: number, n: number) => m * n + m * k + k * n;
  const products = [
    product(N, inputWidth(config), GH),
    product(N, W, GH),
    product(N, P, GH),
    product(N, W, O),
    config.input.kind === "dense" ? 0 : product(config.input.vocabSize, inputWidth(config), GH),
  ];
  const packed = 2 * config.layers * directionsOf(config) * GH * P;
  return 4 * (Math.max(...products) + packed);
}

function elementSize(config: ModelConfig): number {
  return config.dtype === "float64" ? 8 : 4;
}
