import { ConfigError, ShapeError } from "../errors.js";
import { directionsOf, type RecurrentConfig, stateWidthOf } from "../model/config.js";
import { layerNames } from "../model/param-shapes.js";
import type { Params } from "../model/params.js";
import type { BufferRef, GpuContext, Plan } from "./context.js";
import { GpuLayer, type LayerOffsets } from "./gpu-layer.js";
import { encodeCopyRows } from "./kernels/copy-rows.js";
import { encodeFill } from "./kernels/fill.js";

// A stack of recurrent layers on dense inputs, as a PyTorch nn.RNN/GRU/LSTM module: the forward from
// x, h_0 (c_0), and the backward from gradients given for its results (the output and each layer's
// h_T, c_T), one submit each way; padded sequences (lengths) and bidirectional layers as
// RecurrentStack runs them. The parity fixtures run it; GpuPass runs token models.

/** Why the WebGPU backend cannot run `config`'s layers, or null when it can. `bidirectional`,
 *  `projection`: the caller runs both directions, LSTM projections (GpuStack runs both; GpuPass's
 *  token models projections only). */
export function gpuStackUnsupported(
  config: RecurrentConfig,
  options: { bidirectional?: boolean; projection?: boolean } = {},
): string | null {
  if (config.bidirectional && !options.bidirectional)
    return "the WebGPU backend does not run bidirectional layers yet";
  if (config.projSize && !options.projection)
    return "the WebGPU backend does not run LSTM projections (projSize, PyTorch's proj_size) yet";
  return null;
}

/** Where parameter `name` starts in the flat float32 buffer, in elements. */
export function paramOffset(params: Params, name: string): number {
  return (params.value(name).byteOffset - params.data.byteOffset) / 4;
}

/** Element offsets of each layer's parameters in `params` (float32), named with `prefix`: L·D of
 *  them, layer k's direction d at k·D + d (RecurrentStack's order). */
export function stackOffsets(params: Params, config: RecurrentConfig, prefix = ""): LayerOffsets[] {
  const at = (name: string) => paramOffset(params, name);
  const maybe = (name: string | null) => (name === null ? null : at(name));
  const offsets: LayerOffsets[] = [];
  for (let index = 0; index < config.layers * directionsOf(config); index++) {
    const D = directionsOf(config);
    const names = layerNames(config, Math.floor(index / D), index % D, prefix);
    offsets.push({
      weightIh: at(names.weightIh),
      weightHh: at(names.weightHh),
      biasIh: maybe(names.biasIh),
      biasHh: maybe(names.biasHh),
      weightSkip: maybe(names.weightSkip),
      weightHr: maybe(names.weightHr),
    });
  }
  return offsets;
}

/** A run's inputs, time-major and float32: x [T·B×I]; h_0 [L·D×B×P] and c_0 (lstm) [L·D×B×H]
 *  (P: h's width, H or the projection's size), layer k's direction d at rows (k·D + d)·B (null:
 *  zeros); lengths [B], each 0..T (null or absent: all T; only for a stack made `padded`). */
export interface StackInputs {
  x: Float32Array;
  h0: Float32Array | null;
  c0: Float32Array | null;
  lengths?: Int32Array | null;
}

/** dL/d(the results): output [T·B×D·P] (the top layer's outputs, forward units first); h_T
 *  [L·D×B×P] and c_T (lstm) [L·D×B×H] of each layer and direction (null: none). Gradients of the
 *  outputs at padded steps are dropped (those outputs are the constant 0). */
export interface StackResultGrads {
  output: Float32Array;
  hN: Float32Array | null;
  cN: Float32Array | null;
}

/** What a run read back, in the layouts of StackInputs: the results, dL/dθ in the parameters'
 *  flat layout, dL/dx, dL/dh_0 and dL/dc_0 (lstm) of each layer. */
export interface StackResult {
  output: Float32Array;
  hN: Float32Array;
  cN: Float32Array | null;
  grad: Float32Array;
  inputGrad: Float32Array;
  h0Grad: Float32Array;
  c0Grad: Float32Array | null;
}

/** L·D recurrent layers of H units, h P wide (H, or the projection's size), for one (T, B) shape,
 *  input width I, on parameters uploaded in the CPU's flat layout (`offsets` per layer and
 *  direction). Bidirectional (D = 2), per level k: the reverse layer reads the level's input with
 *  each row's steps reversed within its length (a gather by `order`, a permutation that is its own
 *  inverse), and the level's output [T·B×2P] is [forward h_t, reverse h gathered back]; backward
 *  splits dL/d(output) the same way, and the reverse layer's dL/dx is gathered back onto the
 *  forward one's. `padded`: runs may give lengths. */
export class GpuStack {
  readonly layers: GpuLayer[];
  readonly T: number;
  readonly B: number;
  readonly I: number;
  readonly D: 1 | 2;
  private readonly H: number;
  /** h's width: H, or the projection's size. */
  private readonly P: number;
  private readonly context: GpuContext;
  private readonly size: number;
  private readonly params: GPUBuffer;
  private readonly grad: GPUBuffer;
  private readonly x: GPUBuffer;
  private readonly inputGrad: GPUBuffer;
  /** [B] i32 (padded only). */
  private readonly lengths: GPUBuffer | null;
  /** Bidirectional only: order [T·B] i32, and per level k its reversed input and that input's
   *  gradient [T·B×I_k], its output and that output's gradient [T·B×2P]. */
  private readonly order: GPUBuffer | null;
  private readonly levels: BidirectionalLevel[];

  constructor(
    context: GpuContext,
    config: RecurrentConfig,
    offsets: readonly LayerOffsets[],
    params: Float32Array,
    I: number,
    T: number,
    B: number,
    padded = false,
  ) {
    const D = directionsOf(config);
    const L = config.layers;
    if (offsets.length !== L * D)
      throw new ShapeError(`GpuStack: ${offsets.length} layer offsets, expected L·D = ${L * D}`);
    this.context = context;
    this.T = T;
    this.B = B;
    this.I = I;
    this.D = D;
    this.H = config.hiddenSize;
    this.P = stateWidthOf(config);
    this.size = params.length;
    this.params = context.upload(params, "stack parameters");
    this.grad = context.buffer(params.length, "stack gradient");
    this.x = context.buffer(T * B * I, "stack inputs");
    this.inputGrad = context.buffer(T * B * I, "stack input grads");
    this.lengths = padded ? context.buffer(B, "stack lengths") : null;
    const widthOf = (k: number) => (k === 0 ? I : D * this.P);
    this.layers = offsets.map((layerOffsets, index) => {
      const k = Math.floor(index / D);
      const label = `stack layer ${k}${D === 2 ? (index % 2 ? " reverse" : " forward") : ""}`;
      return new GpuLayer(context, config, layerOffsets, this.params, widthOf(k), T, B, label, this.lengths);
    });
    this.order = D === 2 ? context.buffer(T * B, "stack time order") : null;
    this.levels =
      D === 2
        ? Array.from({ length: L }, (_, k) => ({
            reversedInput: context.buffer(T * B * widthOf(k), `level ${k} reversed input`),
            reversedInputGrad: context.buffer(T * B * widthOf(k), `level ${k} reversed input grads`),
            output: context.buffer(T * B * 2 * this.P, `level ${k} outputs`),
            outputGrad: context.buffer(T * B * 2 * this.P, `level ${k} output grads`),
          }))
        : [];
  }

  /** The forward, then BPTT from `grads`, in one submit; reads every result back. */
  async run(inputs: StackInputs, grads: StackResultGrads): Promise<StackResult> {
    this.checkSizes(inputs, grads);
    this.writeInputs(inputs, grads);
    const plan = await this.context.checked(() => this.record());
    this.context.run(plan);
    try {
      return await this.readResults();
    } finally {
      plan.destroy();
    }
  }

  destroy(): void {
    for (const layer of this.layers) layer.destroy();
    const own = [this.params, this.grad, this.x, this.inputGrad, this.lengths, this.order];
    for (const level of this.levels) own.push(...Object.values(level));
    for (const buffer of own) buffer?.destroy();
  }

  private checkSizes(inputs: StackInputs, grads: StackResultGrads): void {
    const { T, B, I, H, P, D } = this;
    const states = this.layers.length * B * P;
    const cells = this.layers.length * B * H;
    const sizes: [string, Float32Array | Int32Array | null | undefined, number][] = [
      ["x", inputs.x, T * B * I],
      ["h0", inputs.h0, states],
      ["c0", inputs.c0, cells],
      ["lengths", inputs.lengths, B],
      ["output grads", grads.output, T * B * D * P],
      ["h_T grads", grads.hN, states],
      ["c_T grads", grads.cN, cells],
    ];
    for (const [name, data, size] of sizes) {
      if (data && data.length !== size)
        throw new ShapeError(`GpuStack: ${name} holds ${data.length} values, expected ${size}`);
    }
    const lengths = inputs.lengths;
    if (!lengths) return;
    if (!this.lengths)
      throw new ConfigError(
        "GpuStack: lengths given to a stack made without padding: make it with padded = true",
      );
    const bad = lengths.findIndex((n) => !(n >= 0 && n <= T));
    if (bad >= 0)
      throw new ShapeError(`GpuStack: lengths[${bad}] = ${lengths[bad]} is outside 0..T (T = ${T})`);
  }

  /** Queues h_0 (c_0) into the states' (cells') rows 0, dL/dc_T into cellGrad, the lengths and
   *  the time order, and the gradients from above: dL/dh_T into step T's rows of each layer's
   *  outputGrad, the output's gradient (padded steps dropped) on top of the top layer's (D = 1) or
   *  into the top level's output gradient (D = 2, split on the GPU). A lower layer's dL/dh_T is then
   *  joined by the layer above's dL/dx. */
  private writeInputs(inputs: StackInputs, grads: StackResultGrads): void {
    const { context, layers, T, B, H, P, D } = this;
    const block = B * P;
    const lengths = inputs.lengths ?? null;
    const layerRows = (data: Float32Array | null, l: number, size = block) =>
      data ? data.subarray(l * size, (l + 1) * size) : new Float32Array(size);
    context.write(this.x, inputs.x);
    if (this.lengths) context.write(this.lengths, lengths ?? new Int32Array(B).fill(T));
    if (this.order) context.write(this.order, timeOrder(lengths, T, B));
    const outputGrad = lengths ? dropPadded(grads.output, lengths, T, B) : grads.output;
    if (D === 2) context.write(this.levels[this.levels.length - 1].outputGrad, outputGrad);
    layers.forEach((layer, l) => {
      const { states, cells, cellGrad } = layer.buffers;
      context.write(states, layerRows(inputs.h0, l));
      if (cells) context.write(cells, layerRows(inputs.c0, l, B * H));
      const dh = D === 1 && l === layers.length - 1 ? outputGrad.slice() : new Float32Array(T * block);
      const hN = layerRows(grads.hN, l);
      for (let i = 0; i < block; i++) dh[(T - 1) * block + i] += hN[i];
      context.write(layer.buffers.outputGrad, dh);
      if (cellGrad) context.write(cellGrad, layerRows(grads.cN, l, B * H));
    });
  }

  /** Level k's input: x, or level k−1's output. */
  private inputOf(k: number): BufferRef {
    if (k === 0) return { buffer: this.x, offset: 0 };
    if (this.D === 1) return this.layers[k - 1].outputs;
    return { buffer: this.levels[k - 1].output, offset: 0 };
  }

  /** Where level k's dL/dx goes: the stack's input gradient, or level k−1's output gradient. */
  private inputGradOf(k: number): BufferRef {
    if (k === 0) return { buffer: this.inputGrad, offset: 0 };
    if (this.D === 1) return this.layers[k - 1].outputGrad;
    return { buffer: this.levels[k - 1].outputGrad, offset: 0 };
  }

  private widthOf(k: number): number {
    return k === 0 ? this.I : this.D * this.P;
  }

  private record(): Plan {
    const plan = this.context.plan(`stack ${this.T}×${this.B}`);
    encodeFill(plan, { n: this.size, dst: { buffer: this.grad, offset: 0 }, value: 0 });
    const L = this.layers.length / this.D;
    for (let k = 0; k < L; k++) {
      if (this.D === 1) this.recordForward(plan, this.layers[k], this.inputOf(k));
      else this.recordBidirectionalForward(plan, k);
    }
    for (let k = L - 1; k >= 0; k--) {
      if (this.D === 1) {
        // Below the top, dL/dx joins the dL/dh_T already in the layer below's outputGrad.
        this.layers[k].encodeBackward(plan, this.grad, this.inputOf(k), this.inputGradOf(k), {
          keepCellGrad: true,
          accumulateInputGrad: k > 0,
        });
      } else this.recordBidirectionalBackward(plan, k);
    }
    return plan;
  }

  private recordForward(plan: Plan, layer: GpuLayer, input: BufferRef): void {
    layer.encodeProjectInputs(plan, input);
    layer.encodeSteps(plan);
  }

  /** Both directions of level k, then its output [forward h_t, reverse h at order[t·B + b]]. */
  private recordBidirectionalForward(plan: Plan, k: number): void {
    const { T, B, P } = this;
    const rows = T * B;
    const order = this.order as GPUBuffer;
    const level = this.levels[k];
    const [forward, reverse] = [this.layers[2 * k], this.layers[2 * k + 1]];
    const width = this.widthOf(k);
    const reversed = { buffer: level.reversedInput, offset: 0 };
    encodeCopyRows(plan, {
      rows,
      width,
      src: this.inputOf(k),
      srcWidth: width,
      dst: reversed,
      dstWidth: width,
      order,
      accumulate: false,
    });
    this.recordForward(plan, forward, this.inputOf(k));
    this.recordForward(plan, reverse, reversed);
    const output = (column: number) => ({ buffer: level.output, offset: column });
    encodeCopyRows(plan, {
      rows,
      width: P,
      src: forward.outputs,
      srcWidth: P,
      dst: output(0),
      dstWidth: 2 * P,
      order: null,
      accumulate: false,
    });
    encodeCopyRows(plan, {
      rows,
      width: P,
      src: reverse.outputs,
      srcWidth: P,
      dst: output(P),
      dstWidth: 2 * P,
      order,
      accumulate: false,
    });
  }

  /** dL/d(level k's output) split onto the two directions' outputGrad (+=: dL/dh_T is there), their
   *  BPTT, then dL/dx = the forward one's + the reverse one's gathered back. */
  private recordBidirectionalBackward(plan: Plan, k: number): void {
    const { T, B, P } = this;
    const rows = T * B;
    const order = this.order as GPUBuffer;
    const level = this.levels[k];
    const [forward, reverse] = [this.layers[2 * k], this.layers[2 * k + 1]];
    const gradColumn = (column: number) => ({ buffer: level.outputGrad, offset: column });
    encodeCopyRows(plan, {
      rows,
      width: P,
      src: gradColumn(0),
      srcWidth: 2 * P,
      dst: forward.outputGrad,
      dstWidth: P,
      order: null,
      accumulate: true,
    });
    encodeCopyRows(plan, {
      rows,
      width: P,
      src: gradColumn(P),
      srcWidth: 2 * P,
      dst: reverse.outputGrad,
      dstWidth: P,
      order,
      accumulate: true,
    });
    const width = this.widthOf(k);
    const reversed = { buffer: level.reversedInput, offset: 0 };
    const reversedGrad = { buffer: level.reversedInputGrad, offset: 0 };
    const options = { keepCellGrad: true };
    forward.encodeBackward(plan, this.grad, this.inputOf(k), this.inputGradOf(k), options);
    reverse.encodeBackward(plan, this.grad, reversed, reversedGrad, options);
    encodeCopyRows(plan, {
      rows,
      width,
      src: reversedGrad,
      srcWidth: width,
      dst: this.inputGradOf(k),
      dstWidth: width,
      order,
      accumulate: true,
    });
  }

  private async readResults(): Promise<StackResult> {
    const { context, layers, T, B, H, P, D } = this;
    const block = B * P; // of h
    const cellBlock = B * H;
    const lstm = layers[0].buffers.cells !== null;
    const perLayer = async (size: number, read: (layer: GpuLayer) => Promise<Float32Array>) => {
      const out = new Float32Array(layers.length * size);
      for (const [l, layer] of layers.entries()) out.set(await read(layer), l * size);
      return out;
    };
    const cellsOf = (layer: GpuLayer) => layer.buffers.cells as GPUBuffer;
    const top = this.inputOf(layers.length / D);
    return {
      output: await context.read(top.buffer, T * block * D, top.offset),
      hN: await perLayer(block, (layer) => context.read(layer.buffers.states, block, T * block)),
      cN: lstm
        ? await perLayer(cellBlock, (layer) => context.read(cellsOf(layer), cellBlock, T * cellBlock))
        : null,
      grad: await context.read(this.grad, this.size),
      inputGrad: await context.read(this.inputGrad, T * B * this.I),
      h0Grad: await perLayer(block, (layer) => context.read(layer.buffers.hiddenGrads, block)),
      c0Grad: lstm
        ? await perLayer(cellBlock, (layer) => context.read(layer.buffers.cellGrad as GPUBuffer, cellBlock))
        : null,
    };
  }
}

interface BidirectionalLevel {
  reversedInput: GPUBuffer;
  reversedInputGrad: GPUBuffer;
  output: GPUBuffer;
  outputGrad: GPUBuffer;
}

/** Row t·B + b's source row when each row's steps are reversed within its length (RecurrentStack's
 *  order): (lengths[b]−1−t)·B + b for t < lengths[b], itself after (null lengths: all T). */
export function timeOrder(lengths: Int32Array | null, T: number, B: number): Int32Array {
  const order = new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    const length = lengths ? lengths[b] : T;
    for (let t = 0; t < T; t++) order[t * B + b] = (t < length ? length - 1 - t : t) * B + b;
  }
  return order;
}

/** A copy of grads [T·B×W] with the rows of padded steps (t ≥ lengths[b], 0-based) zeroed. */
function dropPadded(grads: Float32Array, lengths: Int32Array, T: number, B: number): Float32Array {
  const out = grads.slice();
  const width = grads.length / (T * B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++)
      if (t >= lengths[b]) out.fill(0, (t * B + b) * width, (t * B + b + 1) * width);
  }
  return out;
}
