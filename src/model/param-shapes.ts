import {
  type CellKind,
  directionsOf,
  type ModelConfig,
  outputWidthOf,
  PARAM_PREFIX,
  type RecurrentConfig,
  stateWidthOf,
} from "./config.js";

export interface ParamSpec {
  name: string;
  shape: number[];
}

export const GATES: Record<CellKind, number> = { rnn: 1, gru: 3, lstm: 4 };

/** The parameter names of layer k, direction d (1: the reverse one), after PyTorch's; null for a
 *  parameter the config leaves out. */
export interface LayerNames {
  weightIh: string;
  weightHh: string;
  biasIh: string | null;
  biasHh: string | null;
  /** W_hr [H_out×H] of an LSTM projection. */
  weightHr: string | null;
  /** M of the skip term M h_{t-k}. */
  weightSkip: string | null;
}

export function layerNames(config: RecurrentConfig, k: number, d: number, prefix = ""): LayerNames {
  const at = (name: string) => `${prefix}${name}_l${k}${d === 1 ? "_reverse" : ""}`;
  const bias = config.bias !== false;
  return {
    weightIh: at("weight_ih"),
    weightHh: at("weight_hh"),
    biasIh: bias ? at("bias_ih") : null,
    biasHh: bias ? at("bias_hh") : null,
    weightHr: config.projSize ? at("weight_hr") : null,
    weightSkip: config.skip > 0 ? at("weight_skip") : null,
  };
}

/** Parameters of a recurrent stack, in PyTorch's order (layer by layer, the forward direction's
 *  before the reverse one's), names prefixed by `prefix`. */
export function recurrentParamSpecs(config: RecurrentConfig, inputSize: number, prefix = ""): ParamSpec[] {
  const H = config.hiddenSize;
  const Hout = stateWidthOf(config);
  const GH = GATES[config.cell] * H;
  const specs: ParamSpec[] = [];
  for (let k = 0; k < config.layers; k++) {
    const inK = k === 0 ? inputSize : outputWidthOf(config);
    for (let d = 0; d < directionsOf(config); d++) {
      const names = layerNames(config, k, d, prefix);
      specs.push({ name: names.weightIh, shape: [GH, inK] }, { name: names.weightHh, shape: [GH, Hout] });
      if (names.biasIh && names.biasHh) {
        specs.push({ name: names.biasIh, shape: [GH] }, { name: names.biasHh, shape: [GH] });
      }
      if (names.weightHr) specs.push({ name: names.weightHr, shape: [Hout, H] });
      if (names.weightSkip) specs.push({ name: names.weightSkip, shape: [H, Hout] });
    }
  }
  return specs;
}

export function inputWidth(config: ModelConfig): number {
  const input = config.input;
  if (input.kind === "embedding") return input.embeddingSize;
  if (input.kind === "onehot") return input.vocabSize;
  return input.size;
}

/** Every parameter of a model, in the order of its flat buffer. */
export function modelParamSpecs(config: ModelConfig): ParamSpec[] {
  const specs: ParamSpec[] = [];
  if (config.input.kind === "embedding") {
    specs.push({
      name: `${PARAM_PREFIX.embedding}weight`,
      shape: [config.input.vocabSize, config.input.embeddingSize],
    });
  }
  specs.push(...recurrentParamSpecs(config, inputWidth(config), PARAM_PREFIX.recurrent));
  if (config.outputSize > 0) {
    specs.push(
      { name: `${PARAM_PREFIX.readout}weight`, shape: [config.outputSize, outputWidthOf(config)] },
      { name: `${PARAM_PREFIX.readout}bias`, shape: [config.outputSize] },
    );
  }
  return specs;
}
