// Imports the state_dict of a PyTorch model built from nn.Embedding, one nn.RNN / nn.GRU / nn.LSTM
// and an nn.Linear readout (any module names), saved with safetensors.torch.save_file. PyTorch's
// gate order and layout are rnnlab's, so the import only renames, checks shapes and converts dtype.
// The layer options are read off the keys: `_reverse` (bidirectional), `weight_hr` (proj_size), no
// `bias_*` (bias=False).

import { ConfigError, FormatError } from "../errors.js";
import type { CellKind, InputConfig, ModelConfig } from "../model/config.js";
import { GATES } from "../model/param-shapes.js";
import { alloc, type DType, Tensor } from "../tensor.js";
import { checkParamSet } from "./checkpoint.js";
import { checkFinite } from "./checkpoint-checks.js";

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
  "rnnlab imports nn.Embedding, one nn.RNN/nn.GRU/nn.LSTM (any num_layers, bias, bidirectional, proj_size) and an nn.Linear readout";
const RECURRENT_KEY =
  /^(?:(.+)\.)?(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(0|[1-9][0-9]*)(_reverse)?$/;
const MODULE_KEY = /^(?:(.+)\.)?(weight|bias)$/;
type LayerParam = "weight_ih" | "weight_hh" | "bias_ih" | "bias_hh" | "weight_hr";
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
  /** H_out: proj_size, or H. */
  stateSize: number;
  layerCount: number;
  directions: 1 | 2;
  bias: boolean;
  projected: boolean;
  /** layers[k·D + d][param] for the params the options give: each direction's, suffix `_reverse`. */
  layers: Partial<Record<LayerParam, Keyed>>[];
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
  stack.layers.forEach((layer, index) => {
    const suffix = `_l${Math.floor(index / stack.directions)}${index % stack.directions === 1 ? "_reverse" : ""}`;
    for (const [param, keyed] of Object.entries(layer)) params[`rnn.${param}${suffix}`] = keyed.tensor;
  });
  if (readout !== undefined) {
    params["linear.weight"] = readout.weight.tensor;
    params["linear.bias"] = readout.bias.tensor;
  }
  const converted = mapValues(params, (tensor) => copyAs(tensor, config.dtype));
  checkParamSet(config, converted, "imported model");
  for (const [name, tensor] of Object.entries(converted))
    checkFinite(`imported parameter ${name}`, tensor.data);
  return { config, params: converted };
}

interface RecurrentKey {
  key: string;
  prefix: string;
  /** e.g. weight_hh_l1_reverse */
  name: string;
  param: LayerParam;
  layer: number;
  reverse: boolean;
}

function classifyKeys(tensors: Record<string, Tensor>): {
  recurrentKeys: RecurrentKey[];
  modules: PlainModules;
} {
  const recurrentKeys: RecurrentKey[] = [];
  const modules: PlainModules = new Map();
  for (const [key, tensor] of Object.entries(tensors)) {
    const recurrent = RECURRENT_KEY.exec(key);
    if (recurrent !== null) {
      const [, prefix = "", param, layer, reverse = ""] = recurrent;
      recurrentKeys.push({
        key,
        prefix,
        name: `${param}_l${layer}${reverse}`,
        param: param as LayerParam,
        layer: Number(layer),
        reverse: reverse !== "",
      });
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

/** The options follow from the keys present: any `_reverse` key makes every layer bidirectional,
 *  any bias key asks every layer for both, any weight_hr a projection in every layer. */
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
  const directions = keys.some((k) => k.reverse) ? 2 : 1;
  const bias = keys.some((k) => k.param.startsWith("bias_"));
  const projected = keys.some((k) => k.param === "weight_hr");
  const params: LayerParam[] = ["weight_ih", "weight_hh"];
  if (bias) params.push("bias_ih", "bias_hh");
  if (projected) params.push("weight_hr");
  const fullName = (name: string) => (prefix === "" ? name : `${prefix}.${name}`);
  const layers = Array.from({ length: layerCount * directions }, (_, index) => {
    const suffix = `_l${Math.floor(index / directions)}${index % directions === 1 ? "_reverse" : ""}`;
    const layer: Partial<Record<LayerParam, Keyed>> = {};
    for (const param of params) {
      const key = byName.get(`${param}${suffix}`);
      if (key === undefined)
        throw missingLayerKey(fullName(`${param}${suffix}`), layerCount, directions, params);
      layer[param] = { key, tensor: tensors[key] };
    }
    return layer;
  });
  const measured = measureFirstLayer(layers[0]);
  const stack = { ...measured, layerCount, directions, bias, projected, layers } as const;
  checkLayerShapes(stack);
  return stack;
}

function missingLayerKey(
  key: string,
  layerCount: number,
  directions: number,
  params: LayerParam[],
): FormatError {
  const each = directions === 2 ? "direction of each" : "";
  return new FormatError(
    `'${key}' is missing: each ${each}${each ? " " : ""}of the ${layerCount} layers needs ${params.join(", ")}`,
  );
}

/** [H_out, H] = shape(weight_hr_l0) with a projection, else H_out = H = cols(weight_hh_l0);
 *  G = rows(weight_ih_l0) / H picks the cell, I = cols(weight_ih_l0). */
function measureFirstLayer(
  layer: RecurrentStack["layers"][number],
): Pick<RecurrentStack, "cell" | "hiddenSize" | "inputSize" | "stateSize"> {
  for (const param of ["weight_ih", "weight_hh", "weight_hr"] as const) {
    const keyed = layer[param];
    if (keyed === undefined) continue;
    const { key, tensor } = keyed;
    if (tensor.shape.length !== 2 || tensor.shape[1] === 0) {
      throw new FormatError(
        `'${key}' has shape [${tensor.shape}]; expected a matrix with at least one column`,
      );
    }
  }
  const weightIh = layer.weight_ih as Keyed;
  const [rows, inputSize] = weightIh.tensor.shape;
  const [stateSize, hiddenSize] = layer.weight_hr
    ? layer.weight_hr.tensor.shape
    : [(layer.weight_hh as Keyed).tensor.shape[1], (layer.weight_hh as Keyed).tensor.shape[1]];
  const cell = CELL_BY_GATES[rows / hiddenSize];
  if (cell === undefined) {
    throw new FormatError(
      `'${weightIh.key}' has ${rows} rows, not 1, 3 or 4 times the hidden size ${hiddenSize} (nn.RNN, nn.GRU, nn.LSTM)`,
    );
  }
  if (layer.weight_hr && cell !== "lstm") {
    throw new FormatError(
      `'${layer.weight_hr.key}' is a projection, which only nn.LSTM has (this is an ${TORCH_CLASS[cell]})`,
    );
  }
  return { cell, hiddenSize, inputSize, stateSize };
}

function checkLayerShapes(stack: RecurrentStack): void {
  const H = stack.hiddenSize;
  const P = stack.stateSize;
  const GH = GATES[stack.cell] * H;
  const options = `hidden size is ${H}${stack.projected ? `, proj_size ${P}` : ""}${stack.directions === 2 ? ", bidirectional" : ""}`;
  stack.layers.forEach((layer, index) => {
    const k = Math.floor(index / stack.directions);
    const expected: Record<LayerParam, number[]> = {
      weight_ih: [GH, k === 0 ? stack.inputSize : stack.directions * P],
      weight_hh: [GH, P],
      bias_ih: [GH],
      bias_hh: [GH],
      weight_hr: [P, H],
    };
    for (const [param, keyed] of Object.entries(layer) as [LayerParam, Keyed][]) {
      if (keyed.tensor.shape.join() !== expected[param].join()) {
        throw new FormatError(
          `'${keyed.key}' has shape [${keyed.tensor.shape}] but ${options} (${TORCH_CLASS[stack.cell]} needs [${expected[param]}])`,
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
  const linearHint =
    width === stack.directions * stack.stateSize
      ? "; an nn.Linear readout without bias is not supported"
      : "";
  throw new FormatError(
    `'${weight.key}' [${weight.tensor.shape}] has no bias, so it would be an nn.Embedding, but its width ${width} is not the recurrent input size ${stack.inputSize}${linearHint}`,
  );
}

function checkReadout(weight: Keyed, bias: Keyed, stack: RecurrentStack): void {
  const [rows, cols] = weight.tensor.shape;
  const width = stack.directions * stack.stateSize;
  if (cols !== width) {
    throw new FormatError(
      `'${weight.key}' [${weight.tensor.shape}] is an nn.Linear, but only a readout from the recurrent output width ${width} is supported; ${SUPPORTED}`,
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
    layers: stack.layerCount,
    ...(stack.bias ? {} : { bias: false }),
    ...(stack.directions === 2 ? { bidirectional: true } : {}),
    ...(stack.projected ? { projSize: stack.stateSize } : {}),
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
