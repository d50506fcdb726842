import type { CellKind } from "../cells/index.js";
import type { ActivationName } from "../kernels/activations.js";
import type { DType } from "../tensor.js";

export type { CellKind } from "../cells/index.js";

/** How tokens (or feature vectors) enter the first recurrent layer. */
export type InputConfig =
  | { kind: "embedding"; vocabSize: number; embeddingSize: number }
  | { kind: "onehot"; vocabSize: number }
  | { kind: "dense"; size: number };

/** The registry of losses the readout can be trained with. */
export const lossNames = ["cross-entropy", "bce", "mse"] as const;
export type LossName = (typeof lossNames)[number];

export interface RecurrentConfig {
  cell: CellKind;
  /** Vanilla RNN only (GRU and LSTM have fixed nonlinearities). */
  activation: ActivationName;
  /** For the step activation: use derivative 1 (straight-through) instead of 0 in backward. */
  straightThrough: boolean;
  /** Vanilla RNN only: delay k >= 2 of the skip term M h_{t-k}; 0 for none. */
  skip: number;
  hiddenSize: number;
  layers: number;
  /** false: no bias_ih / bias_hh (PyTorch's bias=False). Default true. */
  bias?: boolean;
  /** Each layer runs a forward and a reverse direction (D = 2) and outputs both, forward first. */
  bidirectional?: boolean;
  /** LSTM only: > 0 projects h = W_hr (o ⊙ tanh c) to projSize units (PyTorch's proj_size). */
  projSize?: number;
}

/** D: directions per layer. */
export function directionsOf(config: RecurrentConfig): 1 | 2 {
  return config.bidirectional ? 2 : 1;
}

/** H_out: the width of h (projSize with a projection, else H). */
export function stateWidthOf(config: RecurrentConfig): number {
  return config.projSize ? config.projSize : config.hiddenSize;
}

/** D·H_out: the width of a layer's outputs, what the layer above and the readout read. */
export function outputWidthOf(config: RecurrentConfig): number {
  return directionsOf(config) * stateWidthOf(config);
}

/** The registry of initial-weight schemes (src/model/init.ts). */
export const initWeightSchemes = [
  "default",
  "orthogonal",
  "xavier-uniform",
  "xavier-normal",
  "identity",
] as const;
export type InitWeights = (typeof initWeightSchemes)[number];

/** How the recurrent layers' parameters start; the embedding and readout always start as PyTorch's.
 *  weights: "default" is PyTorch's U(−1/√H, 1/√H) for every weight and bias; the others set the
 *  biases to 0 and fill each gate block of W_ih, W_hh (and W_hr, M): "orthogonal" as
 *  torch.nn.init.orthogonal_, "xavier-*" as Glorot with the block's fan_in and fan_out, "identity"
 *  (IRNN, rnn relu only) W_hh = gain·I with the other weights N(0, 0.001²). gain (default 1)
 *  multiplies the orthogonal, Xavier and identity weights. forgetBias (lstm only) sets b_f (b_ih's
 *  forget block; b_hh's is 0) to a value, or draws chrono init: b_f = log U(1, Tmax − 1), b_i = −b_f. */
export interface InitConfig {
  weights?: InitWeights;
  gain?: number;
  forgetBias?: number | { chrono: number };
}

/** Dropout, all seeded, all active only in training (model.training), each a probability in [0, 1)
 *  of zeroing a unit, the kept ones scaled by 1/(1 − p) (inverted dropout), so evaluation is the
 *  identity. Absent or 0: none.
 *  - dropout: on each layer's outputs but the last, as PyTorch's nn.RNN/GRU/LSTM dropout.
 *  - outputDropout: on the readout's input (the top layer's outputs), as nn.Dropout before nn.Linear.
 *  - inputDropout, recurrentDropout: variational (Gal & Ghahramani 2016): one mask per sequence,
 *    the same at every step, on each layer's input x_t and on h_{t−1} where it enters W_hh.
 *  - zoneout, cellZoneout (Krueger et al. 2017): each unit of h_t (LSTM: c_t) keeps its previous
 *    value with probability p, else takes the new one: h_t = d ⊙ h_{t−1} + (1 − d) ⊙ h̃_t, d a fresh
 *    Bernoulli(p) mask per step; in evaluation h_t = p h_{t−1} + (1 − p) h̃_t. */
export interface RegularizationConfig {
  dropout?: number;
  outputDropout?: number;
  inputDropout?: number;
  recurrentDropout?: number;
  zoneout?: number;
  cellZoneout?: number;
}

/** The names of RegularizationConfig's fields, for schemas and flags. */
export const dropoutFields = [
  "dropout",
  "outputDropout",
  "inputDropout",
  "recurrentDropout",
  "zoneout",
  "cellZoneout",
] as const satisfies readonly (keyof RegularizationConfig)[];

export interface ModelConfig extends RecurrentConfig, RegularizationConfig {
  /** Absent: PyTorch's default initialization. */
  init?: InitConfig;
  input: InputConfig;
  /** Width of the linear readout (the vocabulary for a language model); 0 for none. */
  outputSize: number;
  loss: LossName;
  dtype: DType;
}

/** What a user gives to build a model: the cell, the hidden size and the input are required; the
 *  rest default to activation "tanh", straightThrough false, skip 0, layers 1, loss "cross-entropy",
 *  dtype "float32", and outputSize the vocabulary size of a token input (a dense input needs it).
 *  parseModelConfig turns it into the ModelConfig with every field. */
export type ModelOptions = Pick<ModelConfig, "cell" | "hiddenSize" | "input"> &
  Partial<Omit<ModelConfig, "cell" | "hiddenSize" | "input">>;

/** Parameter names follow PyTorch's nn.Embedding / nn.RNN|GRU|LSTM / nn.Linear state_dict:
 *  embedding.weight [V][E]; rnn.weight_ih_l{k} [G·H][in_k], rnn.weight_hh_l{k} [G·H][H],
 *  rnn.bias_ih_l{k} [G·H], rnn.bias_hh_l{k} [G·H]; rnn.weight_skip_l{k} [H][H] (rnnlab's own, the
 *  M of the skip term); linear.weight [out][H], linear.bias [out]. The options follow PyTorch too:
 *  bias false drops bias_*; a reverse direction's names end in _reverse; with projSize, weight_hr_l{k}
 *  [H_out][H], weight_hh_l{k} [G·H][H_out], and in_k and the readout's width are D·H_out. */
export const PARAM_PREFIX = { embedding: "embedding.", recurrent: "rnn.", readout: "linear." } as const;
