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
}

export interface ModelConfig extends RecurrentConfig {
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
 *  M of the skip term); linear.weight [out][H], linear.bias [out]. */
export const PARAM_PREFIX = { embedding: "embedding.", recurrent: "rnn.", readout: "linear." } as const;
