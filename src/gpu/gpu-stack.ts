import { ShapeError } from "../errors.js";
import type { RecurrentConfig } from "../model/config.js";
import { layerNames } from "../model/param-shapes.js";
import type { Params } from "../model/params.js";
import type { BufferRef, GpuContext, Plan } from "./context.js";
import { GpuLayer, type LayerOffsets } from "./gpu-layer.js";
import { encodeFill } from "./kernels/fill.js";

// A stack of recurrent layers on dense inputs, as a PyTorch nn.RNN/GRU/LSTM module: the forward from
// x, h_0 (c_0), and the backward from gradients given for its results (the output and each layer's
// h_T, c_T), one submit each way. The parity fixtures run it; GpuPass runs token models.

/** Why GpuStack cannot run `config` (what the WebGPU backend lacks), or null when it can. */
export function gpuStackUnsupported(config: RecurrentConfig): string | null {
  if (config.bidirectional) return "the WebGPU backend does not run bidirectional layers yet";
  if (config.projSize)
    return "the WebGPU backend does not run LSTM projections (projSize, PyTorch's proj_size) yet";
  return null;
}

/** Where parameter `name` starts in the flat float32 buffer, in elements. */
export function paramOffset(params: Params, name: string): number {
  return (params.value(name).byteOffset - params.data.byteOffset) / 4;
}

/** Element offsets of each layer's parameters in `params` (float32), named with `prefix`. */
export function stackOffsets(params: Params, config: RecurrentConfig, prefix = ""): LayerOffsets[] {
  const at = (name: string) => paramOffset(params, name);
  const maybe = (name: string | null) => (name === null ? null : at(name));
  const offsets: LayerOffsets[] = [];
  for (let k = 0; k < config.layers; k++) {
    const names = layerNames(config, k, 0, prefix);
    offsets.push({
      weightIh: at(names.weightIh),
      weightHh: at(names.weightHh),
      biasIh: maybe(names.biasIh),
      biasHh: maybe(names.biasHh),
      weightSkip: maybe(names.weightSkip),
    });
  }
  return offsets;
}

/** A run's inputs, time-major and float32: x [T·B×I]; h_0 and c_0 (lstm) [L×B×H], layer k at
 *  rows k·B (null: zeros). */
export interface StackInputs {
  x: Float32Array;
  h0: Float32Array | null;
  c0: Float32Array | null;
}

/** dL/d(the results): output [T·B×H] (the top layer's h_1..h_T); h_T and c_T (lstm) [L×B×H] of
 *  each layer (null: none). */
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

/** L recurrent layers of H units for one (T, B) shape, input width I, on parameters uploaded in
 *  the CPU's flat layout (`offsets` per layer). */
export class GpuStack {
  readonly layers: GpuLayer[];
  readonly T: number;
  readonly B: number;
  readonly I: number;
  private readonly H: number;
  private readonly context: GpuContext;
  private readonly size: number;
  private readonly params: GPUBuffer;
  private readonly grad: GPUBuffer;
  private readonly x: GPUBuffer;
  private readonly inputGrad: GPUBuffer;

  constructor(
    context: GpuContext,
    config: RecurrentConfig,
    offsets: readonly LayerOffsets[],
    params: Float32Array,
    I: number,
    T: number,
    B: number,
  ) {
    this.context = context;
    this.T = T;
    this.B = B;
    this.I = I;
    this.H = config.hiddenSize;
    this.size = params.length;
    this.params = context.upload(params, "stack parameters");
    this.grad = context.buffer(params.length, "stack gradient");
    this.x = context.buffer(T * B * I, "stack inputs");
    this.inputGrad = context.buffer(T * B * I, "stack input grads");
    this.layers = offsets.map(
      (layerOffsets, k) =>
        new GpuLayer(
          context,
          config,
          layerOffsets,
          this.params,
          k === 0 ? I : this.H,
          T,
          B,
          `stack layer ${k}`,
        ),
    );
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
    for (const buffer of [this.params, this.grad, this.x, this.inputGrad]) buffer.destroy();
  }

  private checkSizes(inputs: StackInputs, grads: StackResultGrads): void {
    const { T, B, I, H } = this;
    const states = this.layers.length * B * H;
    const sizes: [string, Float32Array | null, number][] = [
      ["x", inputs.x, T * B * I],
      ["h0", inputs.h0, states],
      ["c0", inputs.c0, states],
      ["output grads", grads.output, T * B * H],
      ["h_T grads", grads.hN, states],
      ["c_T grads", grads.cN, states],
    ];
    for (const [name, data, size] of sizes) {
      if (data && data.length !== size)
        throw new ShapeError(`GpuStack: ${name} holds ${data.length} values, expected ${size}`);
    }
  }

  /** Queues h_0 (c_0) into the states' (cells') rows 0, dL/dh from above into outputGrad and
   *  dL/dc_T into cellGrad. dL/dh_T joins step T's rows of outputGrad: the top layer's on top of
   *  the output's gradient; a lower layer's alone, the layer above then adding its dL/dx. */
  private writeInputs(inputs: StackInputs, grads: StackResultGrads): void {
    const { context, layers, T, B, H } = this;
    const block = B * H;
    const layerRows = (data: Float32Array | null, k: number) =>
      data ? data.subarray(k * block, (k + 1) * block) : new Float32Array(block);
    context.write(this.x, inputs.x);
    layers.forEach((layer, k) => {
      const { states, cells, outputGrad, cellGrad } = layer.buffers;
      context.write(states, layerRows(inputs.h0, k));
      if (cells) context.write(cells, layerRows(inputs.c0, k));
      const dh = k === layers.length - 1 ? grads.output.slice() : new Float32Array(T * block);
      const hN = layerRows(grads.hN, k);
      for (let i = 0; i < block; i++) dh[(T - 1) * block + i] += hN[i];
      context.write(outputGrad, dh);
      if (cellGrad) context.write(cellGrad, layerRows(grads.cN, k));
    });
  }

  private record(): Plan {
    const { context, layers } = this;
    const plan = context.plan(`stack ${this.T}×${this.B}`);
    const x: BufferRef = { buffer: this.x, offset: 0 };
    encodeFill(plan, { n: this.size, dst: { buffer: this.grad, offset: 0 }, value: 0 });
    layers.forEach((layer, k) => {
      layer.encodeProjectInputs(plan, k === 0 ? x : layers[k - 1].outputs);
      layer.encodeSteps(plan);
    });
    const options = { keepCellGrad: true, accumulateInputGrad: true };
    for (let k = layers.length - 1; k >= 1; k--) {
      layers[k].encodeBackward(plan, this.grad, layers[k - 1].outputs, layers[k - 1].outputGrad, options);
    }
    const dx = { buffer: this.inputGrad, offset: 0 };
    layers[0].encodeBackward(plan, this.grad, x, dx, { keepCellGrad: true });
    return plan;
  }

  private async readResults(): Promise<StackResult> {
    const { context, layers, T, B, H } = this;
    const block = B * H;
    const lstm = layers[0].buffers.cells !== null;
    const perLayer = async (read: (layer: GpuLayer) => Promise<Float32Array>) => {
      const out = new Float32Array(layers.length * block);
      for (const [k, layer] of layers.entries()) out.set(await read(layer), k * block);
      return out;
    };
    const top = layers[layers.length - 1];
    return {
      output: await context.read(top.buffers.states, T * block, block),
      hN: await perLayer((layer) => context.read(layer.buffers.states, block, T * block)),
      cN: lstm
        ? await perLayer((layer) => context.read(layer.buffers.cells as GPUBuffer, block, T * block))
        : null,
      grad: await context.read(this.grad, this.size),
      inputGrad: await context.read(this.inputGrad, T * B * this.I),
      h0Grad: await perLayer((layer) => context.read(layer.buffers.hiddenGrads, block)),
      c0Grad: lstm
        ? await perLayer((layer) => context.read(layer.buffers.cellGrad as GPUBuffer, block))
        : null,
    };
  }
}
