import { ConfigError } from "../errors.js";
import { dropoutFields, type ModelConfig, PARAM_PREFIX, stateWidthOf } from "../model/config.js";
import type { Params } from "../model/params.js";
import type { BufferRef, GpuContext } from "./context.js";
import { GpuLayer, type LayerOffsets } from "./gpu-layer.js";
import { GpuPass } from "./gpu-pass.js";
import { gpuStackUnsupported, paramOffset, stackOffsets } from "./gpu-stack.js";

/** Why the WebGPU backend cannot run `config` (one line), or null when it can. */
export function gpuUnsupported(config: ModelConfig): string | null {
  const missing = (what: string) => `the WebGPU backend does not run ${what} yet`;
  if (config.dtype !== "float32") return missing(`${config.dtype} (it computes in float32)`);
  if (config.input.kind === "dense") return missing("dense inputs (only embedding and one-hot)");
  if (config.outputSize === 0 || config.loss !== "cross-entropy")
    return missing(`the ${config.loss} loss (only a readout with cross-entropy)`);
  const layers = gpuStackUnsupported(config, { projection: true });
  if (layers) return layers;
  const dropout = dropoutFields.find((field) => (config[field] ?? 0) > 0);
  if (dropout) return missing(`dropout (${dropout})`);
  return null;
}

/** Element offsets of every parameter in the flat buffer (the CPU model's layout, so the same
 *  checkpoint loads on either). */
export interface ModelOffsets {
  embedding: number | null;
  layers: LayerOffsets[];
  readoutWeight: number;
  readoutBias: number;
}

export function modelOffsets(params: Params, config: ModelConfig): ModelOffsets {
  const at = (name: string) => paramOffset(params, name);
  return {
    embedding: config.input.kind === "embedding" ? at(`${PARAM_PREFIX.embedding}weight`) : null,
    layers: stackOffsets(params, config, PARAM_PREFIX.recurrent),
    readoutWeight: at(`${PARAM_PREFIX.readout}weight`),
    readoutBias: at(`${PARAM_PREFIX.readout}bias`),
  };
}

/** A token model's parameters and gradient on the GPU, in the CPU model's flat layout, and its
 *  passes: one per (T, B) shape, each with its buffers and recorded dispatches. */
export class GpuModel {
  readonly context: GpuContext;
  readonly config: ModelConfig;
  readonly size: number;
  readonly params: GPUBuffer;
  readonly grad: GPUBuffer;
  readonly offsets: ModelOffsets;
  private readonly passes = new Map<string, GpuPass>();

  /** Uploads `params` (a float32 model's parameters); throws a ConfigError when the backend
   *  cannot run this config (gpuUnsupported). */
  constructor(context: GpuContext, config: ModelConfig, params: Params) {
    const reason = gpuUnsupported(config);
    if (reason) throw new ConfigError(`${reason}: run this model on the CPU`);
    this.context = context;
    this.config = config;
    this.size = params.data.length;
    this.offsets = modelOffsets(params, config);
    this.params = context.upload(params.data as Float32Array, "parameters");
    this.grad = context.buffer(this.size, "gradient");
  }

  /** Replaces the parameters on the GPU (a checkpoint loaded on the CPU side). */
  writeParams(values: Float32Array): void {
    this.context.write(this.params, values);
  }

  readParams(): Promise<Float32Array> {
    return this.context.read(this.params, this.size);
  }

  readGrad(): Promise<Float32Array> {
    return this.context.read(this.grad, this.size);
  }

  /** The buffers and plans of a (T, B) batch, made on first use. */
  pass(T: number, B: number): GpuPass {
    const key = `${T}×${B}`;
    let pass = this.passes.get(key);
    if (!pass) {
      pass = new GpuPass(this, T, B);
      this.passes.set(key, pass);
    }
    return pass;
  }

  /** The recurrent layers for a (T, B) shape, bottom first. */
  makeLayers(T: number, B: number): GpuLayer[] {
    const { config, context, offsets } = this;
    const input = config.input;
    const first =
      input.kind === "embedding"
        ? input.embeddingSize
        : input.kind === "onehot"
          ? input.vocabSize
          : input.size;
    return offsets.layers.map(
      (layerOffsets, k) =>
        new GpuLayer(
          context,
          config,
          layerOffsets,
          this.params,
          k === 0 ? first : stateWidthOf(config),
          T,
          B,
          `layer ${k}`,
        ),
    );
  }

  ref(offset: number, buffer: GPUBuffer = this.params): BufferRef {
    return { buffer, offset };
  }

  destroy(): void {
    for (const pass of this.passes.values()) pass.destroy();
    this.params.destroy();
    this.grad.destroy();
  }
}
