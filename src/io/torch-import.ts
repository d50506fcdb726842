// Imports the state_dict of a PyTorch model built from nn.Embedding, one nn.RNN / nn.GRU / nn.LSTM
// and an nn.Linear readout (any module names), saved with safetensors.torch.save_file. PyTorch's
// gate order and layout are rnnlab's, so the import only renames, checks shapes and converts dtype.

import { ConfigError, FormatError } from "../errors.js";
import type { CellKind, InputConfig, ModelConfig } from "../model/config.js";
import { GATES } from "../model/param-shapes.js";
import { alloc, type DType, Tensor } from "../tensor.js";
import { checkParamSet } from "./checkpoint.js";

export interface TorchImportOptions {
  /** nn.RNN's nonlinearity, which the state_dict does not record (default tanh). */
  activation?: "tanh" | "relu";
  /** Default float32. */
  dtype?: DType;
}

export interface ImportedModel {
  config: ModelConfig;
  params: Record<string, Tensor>;
}

const SUPPORTED =
  "rnnlab imports nn.Embedding, one unidirectional nn.RNN/nn.GRU/nn.LSTM (bias=True, no proj_size) and an nn.Linear readout";
const RECURRENT_KEY = /^(?:(.+)\.)?(weight_ih|weight_hh|bias_ih|bias_hh)_l(0|[1-9][0-9]*)$/;
const MODULE_KEY = /^(?:(.+)\.)?(weight|bias)$/;
const LAYER_PARAMS = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] as const;
const CELL_BY_GATES: Record<number, CellKind> = { 1: "rnn", 3: "gru", 4: "lstm" };
const TORCH_CLASS: Record<CellKind, string> = { rnn: "nn.RNN", gru: "nn.GRU", lstm: "nn.LSTM" };

interface Keyed {
  key: string;
  tensor: Tensor;
}

/** A module's `weight` and `bias`, keyed by the module's name. */
type PlainModules = Map<string, { weight?: Keyed; bias?: Keyed }>;

interface RecurrentStack {
  cell: CellKind;
  hiddenSize: number;
  inputSize: number;
  /** layers[k][param] for param in LAYER_PARAMS. */
  layers: Record<(typeof LAYER_PARAMS)[number], Keyed>[];
}

export function importTorchStateDict(
  tensors: Record<string, Tensor>,
  options: TorchImportOptions = {},
): ImportedModel {
  const { recurrentKeys, modules } = classifyKeys(tensors);
  const stack = readRecurrent(recurrentKeys, tensors);
  const { embedding, readout } = readPlainModules(modules, stack);
  const config = buildConfig(stack, embedding, readout, options);
  const params: Record<string, Tensor> = {};
  if (embedding !== undefined) params["embedding.weight"] = embedding.tensor;
  stack.layers.forEach((layer, k) => {
    for (const param of LAYER_PARAMS) params[`rnn.${param}_l${k}`] = layer[param].tensor;
  });
  if (readout !== undefined) {
    params["linear.weight"] = readout.weight.tensor;
    params["linear.bias"] = readout.bias.tensor;
  }
  const converted = mapValues(params, (tensor) => copyAs(tensor, config.dtype));
  checkParamSet(config, converted, "imported model");
  return { config, params: converted };
}

interface RecurrentKey {
  key: string;
  prefix: string;
  name: string;
  layer: number;
}

function classifyKeys(tensors: Record<string, Tensor>): {
  recurrentKeys: RecurrentKey[];
  modules: PlainModules;
} {
  const recurrentKeys: RecurrentKey[] = [];
  const modules: PlainModules = new Map();
  for (const [key, tensor] of Object.entries(tensors)) {
    rejectUnsupportedKey(key);
    const recurrent = RECURRENT_KEY.exec(key);
    if (recurrent !== null) {
      const [, prefix = "", param, layer] = recurrent;
      recurrentKeys.push({ key, prefix, name: `${param}_l${layer}`, layer: Number(layer) });
      continue;
    }
    const plain = MODULE_KEY.exec(key);
    if (plain === null) throw new FormatError(`unknown key '${key}': ${SUPPORTED}`);
    const [, module = "", param] = plain;
    const entry = modules.get(module) ?? {};
    entry[param as "weight" | "bias"] = { key, tensor };
    modules.set(module, entry);
  }
  return { recurrentKeys, modules };
}

function rejectUnsupportedKey(key: string): void {
  if (/_l\d+_reverse$/.test(key)) {
    throw new FormatError(
      `'${key}' belongs to a bidirectional layer, which rnnlab does not support; ${SUPPORTED}`,
    );
  }
  if (/(?:^|\.)weight_hr_l\d+$/.test(key)) {
    throw new FormatError(
      `'${key}' is an LSTM projection (proj_size > 0), which rnnlab does not support; ${SUPPORTED}`,
    );
  }
}

function readRecurrent(keys: RecurrentKey[], tensors: Record<string, Tensor>): RecurrentStack {
  if (keys.length === 0)
    throw new FormatError(`no recurrent weights (weight_ih_l0, ...) found; ${SUPPORTED}`);
  const prefix = keys[0].prefix;
  const second = keys.find((k) => k.prefix !== prefix);
  if (second !== undefined) {
    throw new FormatError(
      `'${second.key}' belongs to a second recurrent module besides '${prefix || keys[0].key}'; ${SUPPORTED} (use num_layers to stack layers)`,
    );
  }
  const byName = new Map(keys.map((k) => [k.name, k.key]));
  const layerCount = 1 + Math.max(...keys.map((k) => k.layer));
  const fullName = (name: string) => (prefix === "" ? name : `${prefix}.${name}`);
  const layers = Array.from(
    { length: layerCount },
    (_, k) =>
      Object.fromEntries(
        LAYER_PARAMS.map((param) => {
          const name = `${param}_l${k}`;
          const key = byName.get(name);
          if (key === undefined) throw missingLayerKey(fullName(name), layerCount, keys);
          return [param, { key, tensor: tensors[key] }];
        }),
      ) as RecurrentStack["layers"][number],
  );
  const { cell, hiddenSize, inputSize } = measureFirstLayer(layers[0]);
  const stack = { cell, hiddenSize, inputSize, layers };
  checkLayerShapes(stack);
  return stack;
}

function missingLayerKey(key: string, layerCount: number, keys: RecurrentKey[]): FormatError {
  if (key.includes("bias_") && !keys.some((k) => k.name.startsWith("bias_"))) {
    return new FormatError(
      `'${key}' is missing: recurrent layers without bias (bias=False) are not supported; save with bias=True`,
    );
  }
  return new FormatError(
    `'${key}' is missing: each of the ${layerCount} layers needs weight_ih, weight_hh, bias_ih and bias_hh`,
  );
}

/** H = cols(weight_hh_l0), G = rows(weight_ih_l0) / H picks the cell, I = cols(weight_ih_l0). */
function measureFirstLayer(layer: RecurrentStack["layers"][number]): Omit<RecurrentStack, "layers"> {
  for (const param of ["weight_ih", "weight_hh"] as const) {
    const { key, tensor } = layer[param];
    if (tensor.shape.length !== 2 || tensor.shape[1] === 0) {
      throw new FormatError(
        `'${key}' has shape [${tensor.shape}]; expected a matrix with at least one column`,
      );
    }
  }
  const [rows, inputSize] = layer.weight_ih.tensor.shape;
  const hiddenSize = layer.weight_hh.tensor.shape[1];
  const cell = CELL_BY_GATES[rows / hiddenSize];
  if (cell === undefined) {
    throw new FormatError(
      `'${layer.weight_ih.key}' has ${rows} rows, not 1, 3 or 4 times the hidden size ${hiddenSize} (nn.RNN, nn.GRU, nn.LSTM)`,
    );
  }
  return { cell, hiddenSize, inputSize };
}

function checkLayerShapes(stack: RecurrentStack): void {
  const H = stack.hiddenSize;
  const GH = GATES[stack.cell] * H;
  stack.layers.forEach((layer, k) => {
    const expected = {
      weight_ih: [GH, k === 0 ? stack.inputSize : H],
      weight_hh: [GH, H],
      bias_ih: [GH],
      bias_hh: [GH],
    };
    for (const param of LAYER_PARAMS) {
      const { key, tensor } = layer[param];
      if (tensor.shape.join() !== expected[param].join()) {
        throw new FormatError(
          `'${key}' has shape [${tensor.shape}] but hidden size is ${H} (${TORCH_CLASS[stack.cell]} needs [${expected[param]}])`,
        );
      }
    }
  });
}

interface Readout {
  weight: Keyed;
  bias: Keyed;
}

/** A weight [V][E] without bias whose E is the recurrent input size is the embedding; a weight
 *  [O][H] with bias [O] is the readout. */
function readPlainModules(
  modules: PlainModules,
  stack: RecurrentStack,
): { embedding?: Keyed; readout?: Readout } {
  let embedding: Keyed | undefined;
  let readout: Readout | undefined;
  for (const { weight, bias } of modules.values()) {
    if (weight === undefined) throw new FormatError(`'${bias?.key}' has no matching weight; ${SUPPORTED}`);
    if (weight.tensor.shape.length !== 2) {
      throw new FormatError(`'${weight.key}' has shape [${weight.tensor.shape}]; ${SUPPORTED}`);
    }
    if (bias === undefined) {
      checkEmbedding(weight, stack);
      if (embedding !== undefined) throw secondModule(weight.key, embedding.key, "nn.Embedding");
      embedding = weight;
    } else {
      checkReadout(weight, bias, stack);
      if (readout !== undefined) throw secondModule(weight.key, readout.weight.key, "nn.Linear");
      readout = { weight, bias };
    }
  }
  return { embedding, readout };
}

function checkEmbedding(weight: Keyed, stack: RecurrentStack): void {
  const [, width] = weight.tensor.shape;
  if (width === stack.inputSize) return;
  const linearHint = width === stack.hiddenSize ? "; an nn.Linear readout without bias is not supported" : "";
  throw new FormatError(
    `'${weight.key}' [${weight.tensor.shape}] has no bias, so it would be an nn.Embedding, but its width ${width} is not the recurrent input size ${stack.inputSize}${linearHint}`,
  );
}

function checkReadout(weight: Keyed, bias: Keyed, stack: RecurrentStack): void {
  const [rows, cols] = weight.tensor.shape;
  if (cols !== stack.hiddenSize) {
    throw new FormatError(
      `'${weight.key}' [${weight.tensor.shape}] is an nn.Linear, but only a readout from the hidden size ${stack.hiddenSize} is supported; ${SUPPORTED}`,
    );
  }
  if (bias.tensor.shape.join() !== String(rows)) {
    throw new FormatError(
      `'${bias.key}' has shape [${bias.tensor.shape}], expected [${rows}] to match '${weight.key}'`,
    );
  }
}

function secondModule(key: string, firstKey: string, torchClass: string): FormatError {
  return new FormatError(`'${key}' is a second ${torchClass} besides '${firstKey}'; ${SUPPORTED}`);
}

function buildConfig(
  stack: RecurrentStack,
  embedding: Keyed | undefined,
  readout: Readout | undefined,
  options: TorchImportOptions,
): ModelConfig {
  const activation = options.activation ?? "tanh";
  if (stack.cell !== "rnn" && activation !== "tanh") {
    throw new ConfigError(
      `activation ${activation} applies to nn.RNN only; this state_dict holds an ${TORCH_CLASS[stack.cell]}, whose nonlinearities are fixed`,
    );
  }
  const input: InputConfig =
    embedding === undefined
      ? { kind: "dense", size: stack.inputSize }
      : { kind: "embedding", vocabSize: embedding.tensor.shape[0], embeddingSize: stack.inputSize };
  return {
    cell: stack.cell,
    activation,
    straightThrough: false,
    skip: 0,
    hiddenSize: stack.hiddenSize,
    layers: stack.layers.length,
    input,
    outputSize: readout === undefined ? 0 : readout.weight.tensor.shape[0],
    loss: "cross-entropy",
    dtype: options.dtype ?? "float32",
  };
}

function copyAs(tensor: Tensor, dtype: DType): Tensor {
  const data = alloc(dtype, tensor.data.length);
  data.set(tensor.data);
  return new Tensor(data, [...tensor.shape]);
}

function mapValues<A, B>(record: Record<string, A>, f: (value: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
}
