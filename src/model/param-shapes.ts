import { type CellKind, type ModelConfig, PARAM_PREFIX, type RecurrentConfig } from "./config.js";

export interface ParamSpec {
  name: string;
  shape: number[];
}

export const GATES: Record<CellKind, number> = { rnn: 1, gru: 3, lstm: 4 };

/** Parameters of a recurrent stack, in PyTorch's order, names prefixed by `prefix`. */
export function recurrentParamSpecs(config: RecurrentConfig, inputSize: number, prefix = ""): ParamSpec[] {
  const H = config.hiddenSize;
  const GH = GATES[config.cell] * H;
  const specs: ParamSpec[] = [];
  for (let k = 0; k < config.layers; k++) {
    const inK = k === 0 ? inputSize : H;
    specs.push(
      { name: `${prefix}weight_ih_l${k}`, shape: [GH, inK] },
      { name: `${prefix}weight_hh_l${k}`, shape: [GH, H] },
      { name: `${prefix}bias_ih_l${k}`, shape: [GH] },
      { name: `${prefix}bias_hh_l${k}`, shape: [GH] },
    );
    if (config.skip > 0) specs.push({ name: `${prefix}weight_skip_l${k}`, shape: [H, H] });
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
      { name: `${PARAM_PREFIX.readout}weight`, shape: [config.outputSize, config.hiddenSize] },
      { name: `${PARAM_PREFIX.readout}bias`, shape: [config.outputSize] },
    );
  }
  return specs;
}
